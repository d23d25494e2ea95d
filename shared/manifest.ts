import * as z from 'zod'

/**
 * A share's manifest: what a content ID names. Its bytes (dag-cbor) hash to
 * the CID, so a manifest fetched from anyone can be checked before use.
 *
 * Pieces are aligned to files (a piece never spans two files), so writing a
 * piece touches exactly one file and each file can be finished on its own.
 */
export interface ManifestFile {
  /** Path segments relative to the download folder, root folder first. */
  path: string[]
  size: number
}

export interface Manifest {
  v: 1
  /** Display name; for a single file or folder it is also the first path segment. */
  name: string
  pieceSize: number
  files: ManifestFile[]
  /** SHA-256 digests of every piece, concatenated in file order. */
  pieces: Uint8Array
}

export const PIECE_HASH_LENGTH = 32
/** Below 16 KiB per-piece overhead (a frame, a hash, a request) dominates. */
export const MIN_PIECE_SIZE = 16 * 1024
/** A piece is one frame on the wire and one buffer in memory: 4 MiB bounds both. */
export const MAX_PIECE_SIZE = 4 * 1024 * 1024
/** 256 Ki pieces of 4 MiB is 1 TiB, and keeps the hash list to 8 MiB. */
export const MAX_PIECES = 262_144
/** A folder share bigger than this is better split; it also bounds the manifest. */
export const MAX_FILES = 100_000
/** Hash list (8 MiB) plus room for 100k paths. */
export const MAX_MANIFEST_BYTES = 12 * 1024 * 1024
/** Deeper trees than this are either generated junk or an attack on path handling. */
export const MAX_PATH_DEPTH = 64
/** One path segment, in UTF-16 code units, before sanitising (which also caps bytes). */
export const MAX_SEGMENT_LENGTH = 1024
export const MAX_NAME_LENGTH = 1024

const isPowerOfTwo = (n: number): boolean => n > 0 && (n & (n - 1)) === 0

export const manifestSchema = z.object({
  v: z.literal(1),
  name: z.string().min(1).max(MAX_NAME_LENGTH),
  pieceSize: z.number().int().min(MIN_PIECE_SIZE).max(MAX_PIECE_SIZE).refine(isPowerOfTwo, 'piece size must be a power of two'),
  files: z.array(z.object({
    path: z.array(z.string().min(1).max(MAX_SEGMENT_LENGTH)).min(1).max(MAX_PATH_DEPTH),
    size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)
  }).strict()).min(1).max(MAX_FILES),
  pieces: z.instanceof(Uint8Array)
}).strict()

/** Number of pieces a file of `size` bytes takes. */
export function piecesInFile (size: number, pieceSize: number): number {
  return Math.ceil(size / pieceSize)
}

export function pieceCount (m: Pick<Manifest, 'files' | 'pieceSize'>): number {
  let n = 0
  for (const f of m.files) n += piecesInFile(f.size, m.pieceSize)
  return n
}

export function totalSize (m: Pick<Manifest, 'files'>): number {
  let n = 0
  for (const f of m.files) n += f.size
  return n
}

/**
 * Piece size that keeps a share near 1000 pieces: small shares get small pieces
 * (more parallelism), big ones big pieces (a smaller manifest).
 */
export function choosePieceSize (total: number): number {
  const MIN_CHOSEN = 256 * 1024
  let size = MIN_CHOSEN
  while (size < MAX_PIECE_SIZE && total / size > 1024) size *= 2
  return size
}
