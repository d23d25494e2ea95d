import { createHash } from 'node:crypto'
import { closeSync, openSync, readSync, statSync, type Stats } from 'node:fs'
import { open } from 'node:fs/promises'
import { PIECE_HASH_LENGTH } from '../../../shared/manifest.js'
import { SMALL_FILE_BYTES } from '../storage/small-files.js'

/** Reads in chunks of this size: big enough for syscalls not to matter, small enough to stay in cache. */
const READ_CHUNK = 1024 * 1024

/**
 * SHA-256 of every piece of one file, streamed through one reused buffer so
 * memory stays flat whatever the file size. `onBytes` reports progress.
 */
export async function hashFilePieces (path: string, size: number, pieceSize: number, onBytes: (n: number) => void = () => {}, signal?: AbortSignal): Promise<Uint8Array> {
  const count = Math.ceil(size / pieceSize)
  const out = new Uint8Array(count * PIECE_HASH_LENGTH)
  const fh = await open(path, 'r')
  const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, Math.max(pieceSize, 1)))
  try {
    let pos = 0
    for (let i = 0; i < count; i++) {
      signal?.throwIfAborted()
      const end = Math.min(pos + pieceSize, size)
      const h = createHash('sha256')
      while (pos < end) {
        const want = Math.min(buf.byteLength, end - pos)
        const { bytesRead } = await fh.read(buf, 0, want, pos)
        if (bytesRead === 0) throw new Error(`${path} shrank while it was being hashed`)
        h.update(buf.subarray(0, bytesRead))
        pos += bytesRead
        onBytes(bytesRead)
      }
      out.set(h.digest(), i * PIECE_HASH_LENGTH)
    }
  } finally {
    await fh.close()
  }
  return out
}

/**
 * The pieces of a small file (at most SMALL_FILE_BYTES), read synchronously,
 * and the path's stat taken right after: a caller compares it with the stamp
 * taken before, so a file changed or replaced meanwhile is not trusted.
 */
export function hashSmallFile (path: string, size: number, pieceSize: number): { hashes: Uint8Array, after: Stats | null } {
  if (size > SMALL_FILE_BYTES) throw new RangeError(`${path} is not small (${size} bytes)`)
  const count = Math.ceil(size / pieceSize)
  const out = new Uint8Array(count * PIECE_HASH_LENGTH)
  const buf = Buffer.allocUnsafe(size)
  const fd = openSync(path, 'r')
  try {
    let pos = 0
    while (pos < size) {
      const n = readSync(fd, buf, pos, size - pos, pos)
      if (n === 0) throw new Error(`${path} shrank while it was being hashed`)
      pos += n
    }
  } finally {
    closeSync(fd)
  }
  for (let i = 0; i < count; i++) {
    out.set(createHash('sha256').update(buf.subarray(i * pieceSize, Math.min(size, (i + 1) * pieceSize))).digest(), i * PIECE_HASH_LENGTH)
  }
  // Gone or unreadable since: null, which the caller's stamp check reads as changed.
  const after = statSync(path, { throwIfNoEntry: false }) ?? null
  return { hashes: out, after }
}
