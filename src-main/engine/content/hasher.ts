import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import { PIECE_HASH_LENGTH } from '../../../shared/manifest.js'

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

export function sha256 (chunks: Iterable<Uint8Array>): Uint8Array {
  const h = createHash('sha256')
  for (const c of chunks) h.update(c)
  return h.digest()
}
