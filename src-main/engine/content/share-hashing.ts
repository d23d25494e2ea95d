import { stat } from 'node:fs/promises'
import { EventLoopSlicer } from '../base/event-loop.js'
import type { Logger } from '../base/log.js'
import { mapLimited } from '../base/map-limited.js'
import { compareStamp, type FileStamp } from '../storage/file-stamp.js'
import { SMALL_FILE_BYTES } from '../storage/small-files.js'
import { hashFilePieces, hashSmallFile } from './hasher.js'

/** Files hashed at once when a share is made. */
const HASH_CONCURRENCY = 8

export interface HashProgress {
  bytes: number
  total: number
  file: string
}

/** Piece hashes kept from an earlier hashing of the same file (same path, stamp and piece size). */
export interface PieceHashCache {
  get: (absPath: string, stamp: FileStamp, pieceSize: number) => Promise<Uint8Array | null>
  put: (absPath: string, stamp: FileStamp, pieceSize: number, hashes: Uint8Array) => Promise<void>
}

export interface HashedFiles {
  /** Every file's piece hashes, one after another (a manifest's `pieces`). */
  pieces: Uint8Array
  hashedBytes: number
  /** Bytes whose hashes came from the cache. */
  reusedBytes: number
}

export interface HashFilesInit {
  cache: PieceHashCache
  onProgress: (p: HashProgress) => void
  log: Logger
  signal?: AbortSignal
}

/**
 * The piece hashes of a share's files: small files read synchronously (the
 * loop let go now and then), big ones streamed or taken from the cache, and
 * several at once, since for small files the opens and stats, not the
 * hashing, are the cost. A file that changed while it was hashed is not
 * cached; its stamp, taken before, marks the share changed later.
 */
export async function hashFiles (files: ReadonlyArray<{ absPath: string, stamp: FileStamp }>, pieceSize: number, init: HashFilesInit): Promise<HashedFiles> {
  const { cache, onProgress, log, signal } = init
  const total = files.reduce((n, f) => n + f.stamp.size, 0)
  let done = 0
  let hashedBytes = 0
  let reusedBytes = 0
  const slicer = new EventLoopSlicer()
  const progressed = (absPath: string, n: number): void => { done += n; onProgress({ bytes: done, total, file: absPath }) }

  const hashSmall = async (absPath: string, stamp: FileStamp): Promise<Uint8Array> => {
    signal?.throwIfAborted()
    await slicer.maybeYield()
    const { hashes, after } = hashSmallFile(absPath, stamp.size, pieceSize)
    if (compareStamp(stamp, after) != null) log('%s changed while it was hashed', absPath)
    hashedBytes += stamp.size
    progressed(absPath, stamp.size)
    return hashes
  }
  const hashOne = async ({ absPath, stamp }: { absPath: string, stamp: FileStamp }): Promise<Uint8Array> => {
    // Not cached either: reading a cache entry costs as much as hashing such a file again.
    if (stamp.size <= SMALL_FILE_BYTES) return await hashSmall(absPath, stamp)
    const cached = await cache.get(absPath, stamp, pieceSize)
    if (cached != null) {
      reusedBytes += stamp.size
      progressed(absPath, stamp.size)
      return cached
    }
    const h = await hashFilePieces(absPath, stamp.size, pieceSize, n => { progressed(absPath, n) }, signal)
    hashedBytes += stamp.size
    const after = await stat(absPath).catch(() => null)
    if (compareStamp(stamp, after) == null) await cache.put(absPath, stamp, pieceSize, h)
    else log('%s changed while it was hashed', absPath)
    return h
  }
  const hashes = await mapLimited(files, HASH_CONCURRENCY, hashOne)
  return { pieces: concat(hashes), hashedBytes, reusedBytes }
}

function concat (parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let o = 0
  for (const p of parts) { out.set(p, o); o += p.byteLength }
  return out
}
