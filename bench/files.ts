import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { open, stat } from 'node:fs/promises'

const CHUNK = 1024 * 1024

/** Writes `size` random bytes (incompressible, so nothing on the path can cheat) and returns their SHA-256. */
export async function randomFile (path: string, size: number): Promise<string> {
  const out = createWriteStream(path)
  const h = createHash('sha256')
  for (let left = size; left > 0;) {
    const chunk = randomBytes(Math.min(left, CHUNK))
    h.update(chunk)
    left -= chunk.byteLength
    if (!out.write(chunk)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'close')
  // Flushed now, so a gigabyte of writeback does not compete with the measurements that follow.
  const fh = await open(path, 'r')
  try { await fh.sync() } finally { await fh.close() }
  return h.digest('hex')
}

export async function sha256File (path: string): Promise<string> {
  const h = createHash('sha256')
  for await (const c of createReadStream(path, { highWaterMark: CHUNK })) h.update(c as Buffer)
  return h.digest('hex')
}

/** Throws unless `path` has exactly the expected size and SHA-256: a fast wrong answer is no answer. */
export async function verifyFile (what: string, path: string, size: number, sha256: string): Promise<void> {
  const got = (await stat(path)).size
  if (got !== size) throw new Error(`${what}: ${path} is ${got} bytes, expected ${size}`)
  const hash = await sha256File(path)
  if (hash !== sha256) throw new Error(`${what}: ${path} has SHA-256 ${hash}, expected ${sha256}`)
}
