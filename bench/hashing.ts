import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import { choosePieceSize } from '../shared/manifest.js'
import { hashFilePieces } from '../src-main/engine/content/hasher.js'
import { mbps } from './report.js'

const CHUNK = 1024 * 1024
/**
 * Each measurement runs this many times, interleaved, and keeps its best: the
 * first round warms the page cache, and on a shared 2-core box the best of a
 * few is the steadiest estimate of what the code can do.
 */
const ROUNDS = 2

export interface HashingResult {
  pieceSize: number
  /** The engine's share hasher (hashFilePieces), file in page cache. */
  engineMBps: number
  /** node:crypto SHA-256 over the same file in 1 MiB reads. */
  rawFileMBps: number
  /** node:crypto SHA-256 over one 1 MiB buffer fed repeatedly: no I/O at all. */
  rawMemoryMBps: number
}

async function timed (bytes: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now()
  await fn()
  return mbps(bytes, performance.now() - t0)
}

async function sha256OfFile (path: string, size: number): Promise<void> {
  const fh = await open(path, 'r')
  try {
    const buf = Buffer.allocUnsafe(CHUNK)
    const h = createHash('sha256')
    for (let pos = 0; pos < size;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, pos)
      if (bytesRead === 0) throw new Error(`${path} is shorter than ${size} bytes`)
      h.update(buf.subarray(0, bytesRead))
      pos += bytesRead
    }
    h.digest()
  } finally {
    await fh.close()
  }
}

function sha256InMemory (size: number): void {
  const buf = Buffer.alloc(CHUNK, 1)
  const h = createHash('sha256')
  for (let pos = 0; pos < size; pos += CHUNK) h.update(pos + CHUNK <= size ? buf : buf.subarray(0, size - pos))
  h.digest()
}

export async function measureHashing (path: string, size: number): Promise<HashingResult> {
  const pieceSize = choosePieceSize(size)
  const best = { engineMBps: 0, rawFileMBps: 0, rawMemoryMBps: 0 }
  for (let i = 0; i < ROUNDS; i++) {
    best.engineMBps = Math.max(best.engineMBps, await timed(size, async () => await hashFilePieces(path, size, pieceSize)))
    best.rawFileMBps = Math.max(best.rawFileMBps, await timed(size, async () => { await sha256OfFile(path, size) }))
    best.rawMemoryMBps = Math.max(best.rawMemoryMBps, await timed(size, () => { sha256InMemory(size) }))
  }
  return { pieceSize, ...best }
}
