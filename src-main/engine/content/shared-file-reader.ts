import type { Stats } from 'node:fs'
import { stat } from 'node:fs/promises'
import { ShareChangedError } from '../../../shared/errors.js'
import type { FileHandleCache } from '../storage/file-cache.js'
import { compareStamp, type FileChange, type FileStamp } from '../storage/file-stamp.js'

/**
 * A file is looked at on disk at most this often: a piece is served every few
 * milliseconds, and a stat for each would cost more than the check is worth.
 * A change is still never served within this window, because every read is
 * also checked against the open file itself (see `read`).
 */
export const CHECK_EVERY_MS = 2_000

type StatFn = (path: string) => Promise<Stats>

/**
 * Reads pieces of shared files, and only from the files that were hashed.
 * Before a read the path is compared with the file's stamp (size, mtime,
 * inode), cached briefly; after it, the open handle is stat'ed, so bytes
 * from a file replaced or rewritten between the check and the read are
 * refused too. A refused read throws ShareChangedError.
 */
export class SharedFileReader {
  private readonly checks = new Map<string, { at: number, stamp: string, result: Promise<FileChange | null> }>()

  constructor (
    private readonly files: FileHandleCache,
    private readonly now: () => number = Date.now,
    private readonly statPath: StatFn = stat,
    private readonly ttlMs = CHECK_EVERY_MS
  ) {}

  /** Whether the file at `path` is still the one `stamp` describes; null when it is. */
  async check (path: string, stamp: FileStamp): Promise<FileChange | null> {
    const key = JSON.stringify(stamp)
    const hit = this.checks.get(path)
    if (hit != null && hit.stamp === key && this.now() - hit.at < this.ttlMs) return await hit.result
    const result = this.statPath(path).then(st => compareStamp(stamp, st), (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return compareStamp(stamp, null)
      return { kind: 'gone' as const, reason: `it cannot be read (${err.code ?? err.message})` }
    })
    this.checks.set(path, { at: this.now(), stamp: key, result })
    const change = await result
    // A handle opened before a replacement still reads the old file: the next read must open the new one.
    if (change != null) this.files.forget(path)
    return change
  }

  async read (path: string, stamp: FileStamp, offset: number, length: number): Promise<Buffer> {
    const before = await this.check(path, stamp)
    if (before != null) throw new ShareChangedError(path, before.kind, before.reason)
    try {
      return await this.files.read(path, offset, length, st => {
        const after = compareStamp(stamp, st)
        if (after != null) throw new ShareChangedError(path, after.kind, after.reason)
      })
    } catch (err) {
      if (err instanceof ShareChangedError) { this.forget(path); throw err }
      // A short read or an I/O error is most often the file being truncated or removed under us.
      this.forget(path)
      const now = await this.check(path, stamp)
      if (now != null) throw new ShareChangedError(path, now.kind, now.reason)
      throw err
    }
  }

  /** Drops what is known about `path`: the next read looks at the disk again. */
  forget (path: string): void {
    this.checks.delete(path)
    this.files.forget(path)
  }
}
