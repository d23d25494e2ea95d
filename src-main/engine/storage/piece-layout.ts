import { createHash } from 'node:crypto'
import { piecesInFile, PIECE_HASH_LENGTH, type Manifest } from '../../../shared/manifest.js'

/**
 * Where each piece lives: which file, at what offset, how long. Pieces are
 * file-aligned, so only the last piece of each file can be short.
 */
export interface PieceLayout {
  readonly count: number
  readonly pieceSize: number
  readonly fileOf: Uint32Array
  readonly offsetOf: Float64Array
  readonly lengthOf: Uint32Array
  /** For file i, its pieces are firstPiece[i] .. firstPiece[i + 1] - 1. */
  readonly firstPiece: Uint32Array
  readonly totalSize: number
}

export function pieceLayout (m: Pick<Manifest, 'files' | 'pieceSize'>): PieceLayout {
  let count = 0
  let totalSize = 0
  const firstPiece = new Uint32Array(m.files.length + 1)
  m.files.forEach((f, i) => {
    firstPiece[i] = count
    count += piecesInFile(f.size, m.pieceSize)
    totalSize += f.size
  })
  firstPiece[m.files.length] = count
  const fileOf = new Uint32Array(count)
  const offsetOf = new Float64Array(count)
  const lengthOf = new Uint32Array(count)
  let p = 0
  m.files.forEach((f, i) => {
    for (let off = 0; off < f.size; off += m.pieceSize) {
      fileOf[p] = i
      offsetOf[p] = off
      lengthOf[p] = Math.min(m.pieceSize, f.size - off)
      p++
    }
  })
  return { count, pieceSize: m.pieceSize, fileOf, offsetOf, lengthOf, firstPiece, totalSize }
}

export function expectedHash (m: Pick<Manifest, 'pieces'>, index: number): Uint8Array {
  return m.pieces.subarray(index * PIECE_HASH_LENGTH, (index + 1) * PIECE_HASH_LENGTH)
}

export function sha256 (chunks: Iterable<Uint8Array>): Uint8Array {
  const h = createHash('sha256')
  for (const c of chunks) h.update(c)
  return h.digest()
}

/** Does piece `index`, given as its bytes in one or more chunks, hash to what the manifest says? */
export function pieceMatches (manifest: Pick<Manifest, 'pieces'>, index: number, chunks: Iterable<Uint8Array>): boolean {
  return Buffer.compare(sha256(chunks), expectedHash(manifest, index)) === 0
}
