import { open, rename, mkdir, unlink } from 'node:fs/promises'
import { dirname, basename, join } from 'node:path'
import { randomBytes } from 'node:crypto'

/**
 * Replaces `file` so that a crash at any moment leaves either the old or the
 * new content, never a torn mix: write a temporary sibling, fsync it, rename
 * it over the target, fsync the folder so the rename itself is durable.
 */
export async function writeFileAtomic (file: string, data: Uint8Array | string, options: { mode?: number } = {}): Promise<void> {
  const dir = dirname(file)
  await mkdir(dir, { recursive: true })
  const tmp = join(dir, `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`)
  const fh = await open(tmp, 'w', options.mode ?? 0o644)
  try {
    await fh.writeFile(data)
    await fh.sync()
  } finally {
    await fh.close()
  }
  try {
    await rename(tmp, file)
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw err
  }
  await fsyncDir(dir)
}

export async function fsyncDir (dir: string): Promise<void> {
  // Directories cannot be opened for sync on Windows; the rename is still atomic there.
  if (process.platform === 'win32') return
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}
