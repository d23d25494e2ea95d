import type { Stats } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'

interface Entry {
  handle: Promise<FileHandle>
  users: number
  /** Dropped from the cache while in use: closed when its last reader is done. */
  forgotten?: boolean
}

function close (e: Entry): void {
  void e.handle.then(async fh => { await fh.close() }).catch(() => {})
}

/**
 * Open read handles, least recently used closed first: a seeder with
 * thousands of shared files must not run out of descriptors. A handle in
 * use is never closed under its reader; the cache may briefly exceed `max`
 * instead.
 */
export class FileHandleCache {
  private readonly entries = new Map<string, Entry>()

  constructor (private readonly max = 64) {}

  /**
   * Reads `length` bytes at `offset`. With `after`, the open file is stat'ed
   * once the bytes are in and handed to it, so a caller can tell whether the
   * file it read is still the one it meant (`after` throws to refuse them).
   */
  async read (path: string, offset: number, length: number, after?: (st: Stats) => void): Promise<Buffer> {
    const entry = this.acquire(path)
    try {
      const fh = await entry.handle
      const buf = Buffer.allocUnsafe(length)
      let done = 0
      while (done < length) {
        const { bytesRead } = await fh.read(buf, done, length - done, offset + done)
        if (bytesRead === 0) throw new Error(`${path} is shorter than expected`)
        done += bytesRead
      }
      if (after != null) after(await fh.stat())
      return buf
    } finally {
      entry.users--
      if (entry.forgotten === true && entry.users === 0) close(entry)
      this.evict()
    }
  }

  /** Closes the handle kept for `path` (once idle): the next read opens whatever is at that path now. */
  forget (path: string): void {
    const e = this.entries.get(path)
    if (e == null) return
    this.entries.delete(path)
    // A reader still using it keeps it until done (closing under it would fail its read): the last one out closes it.
    e.forgotten = true
    if (e.users === 0) close(e)
  }

  get size (): number {
    return this.entries.size
  }

  async closeAll (): Promise<void> {
    const all = [...this.entries.values()]
    this.entries.clear()
    await Promise.all(all.map(async e => { await (await e.handle.catch(() => null))?.close().catch(() => {}) }))
  }

  private acquire (path: string): Entry {
    let entry = this.entries.get(path)
    if (entry != null) {
      // Re-insert: Map order is our recency order.
      this.entries.delete(path)
    } else {
      entry = { handle: open(path, 'r'), users: 0 }
      entry.handle.catch(() => { if (this.entries.get(path) === entry) this.entries.delete(path) })
    }
    this.entries.set(path, entry)
    entry.users++
    this.evict()
    return entry
  }

  private evict (): void {
    for (const [path, e] of this.entries) {
      if (this.entries.size <= this.max) return
      if (e.users > 0) continue
      this.entries.delete(path)
      close(e)
    }
  }
}
