import { createHash } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as z from 'zod'
import type { PieceHashCache } from '../content/share-hashing.js'
import type { FileStamp } from '../storage/file-stamp.js'

const entrySchema = z.object({
  path: z.string(),
  size: z.number(),
  mtimeMs: z.number(),
  // Entries from before inodes were kept match on path, size and mtime alone.
  ino: z.number().optional(),
  pieceSize: z.number(),
  hashes: z.string()
})

export type HashCacheEntry = z.infer<typeof entrySchema>

/**
 * Piece hashes of big shared files under `<data>/hash-cache`, one file per
 * path, so sharing an unchanged file again costs no hashing.
 */
export class HashCache implements PieceHashCache {
  constructor (private readonly dir: string) {}

  async get (absPath: string, stamp: FileStamp, pieceSize: number): Promise<Uint8Array | null> {
    const c = await this.entry(absPath)
    // The inode too: a file put in place with the same size and mtime (cp -p, rsync -t) is another file.
    if (c == null || c.path !== absPath || c.size !== stamp.size || c.mtimeMs !== stamp.mtimeMs || c.pieceSize !== pieceSize) return null
    if (c.ino != null && stamp.ino != null && c.ino !== stamp.ino) return null
    const hashes = Buffer.from(c.hashes, 'base64')
    return hashes.byteLength === Math.ceil(stamp.size / pieceSize) * 32 ? hashes : null
  }

  async put (absPath: string, stamp: FileStamp, pieceSize: number, hashes: Uint8Array): Promise<void> {
    // A cache, written in place: a crash may leave an entry torn or lose it, and a torn one fails
    // its parse and its length check (see get) and is hashed again. Not worth a temp file,
    // a rename and a disk flush for each of a folder's thousands of files.
    const entry = JSON.stringify({ path: absPath, size: stamp.size, mtimeMs: stamp.mtimeMs, ino: stamp.ino, pieceSize, hashes: Buffer.from(hashes).toString('base64') })
    await writeFile(this.fileOf(absPath), entry).catch(async (err: NodeJS.ErrnoException) => {
      // The folder went away under us (a data folder emptied while running): make it and try once more.
      if (err.code !== 'ENOENT') throw err
      await mkdir(this.dir, { recursive: true })
      await writeFile(this.fileOf(absPath), entry)
    })
  }

  /** The entry kept for `absPath`, whatever its stamp; null when there is none or it is torn. */
  async entry (absPath: string): Promise<HashCacheEntry | null> {
    try {
      return entrySchema.parse(JSON.parse(await readFile(this.fileOf(absPath), 'utf8')))
    } catch {
      return null
    }
  }

  private fileOf (absPath: string): string {
    return join(this.dir, `${createHash('sha256').update(absPath).digest('hex').slice(0, 32)}.json`)
  }
}
