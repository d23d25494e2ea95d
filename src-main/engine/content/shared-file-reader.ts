import { closeSync, fstatSync, openSync, readSync, type Stats } from 'node:fs'
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
    private readonly ttlMs = CHECK_EVERY_MS,
    /**
     * Files up to this size are read with synchronous calls, checked on the
     * open file itself each time (0: never). For a folder of thousands of small
     * files the thread-pool round trips of an async stat, open, read, fstat
     * and close per piece were the seeder's cost, not the reads.
     */
    private readonly smallFileBytes = 0
  ) {}

  /** Whether the file at `path` is still the one `stamp` describes; null when it is. */
  async check (path: string, stamp: FileStamp): Promise<FileChange | null> {
    const key = JSON.stringify(stamp)
    const hit = this.checks.get(path)
    if (hit != null && hit.stamp === key && this.now() - hit.at < this.ttlMs) return await hit.result
    const result = this.statPath(path).then(st => compareStamp(stamp, st), (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return compareStamp(stamp, null)
      return unreadable(err)
    })
    this.checks.set(path, { at: this.now(), stamp: key, result })
    const change = await result
    // A handle opened before a replacement still reads the old file: the next read must open the new one.
    if (change != null) this.files.forget(path)
    return change
  }

  async read (path: string, stamp: FileStamp, offset: number, length: number): Promise<Buffer> {
    if (stamp.size <= this.smallFileBytes) return readSmall(path, stamp, offset, length)
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
      // The same file, and the disk will not give its bytes (EIO, a dying disk): the share's
      // fault, not the downloader's, so the share is taken out of service and says why.
      const why = unreadable(err as NodeJS.ErrnoException)
      throw new ShareChangedError(path, why.kind, why.reason)
    }
  }

  /** Drops what is known about `path`: the next read looks at the disk again. */
  forget (path: string): void {
    this.checks.delete(path)
    this.files.forget(path)
  }
}

/**
 * One small shared file read at once: opened, compared with its stamp on the
 * open descriptor (so a file replaced under the path is caught by its inode),
 * read, and compared again before its bytes are handed out.
 */
function readSmall (path: string, stamp: FileStamp, offset: number, length: number): Buffer {
  const refuse = (change: FileChange): never => { throw new ShareChangedError(path, change.kind, change.reason) }
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    return refuse(code === 'ENOENT' || code === 'ENOTDIR' ? compareStamp(stamp, null)! : unreadable(err as NodeJS.ErrnoException))
  }
  try {
    const before = compareStamp(stamp, fstatSync(fd))
    if (before != null) refuse(before)
    const buf = Buffer.allocUnsafe(length)
    let done = 0
    while (done < length) {
      let n: number
      try {
        n = readSync(fd, buf, done, length - done, offset + done)
      } catch (err) {
        return refuse(unreadable(err as NodeJS.ErrnoException))
      }
      if (n === 0) break
      done += n
    }
    const after = compareStamp(stamp, fstatSync(fd))
    if (after != null) refuse(after)
    if (done < length) refuse({ kind: 'resized', reason: 'it is shorter than when it was shared' })
    return buf
  } finally {
    closeSync(fd)
  }
}

/** A file the disk will not read: the system's code and words, as the share will show them. */
function unreadable (err: NodeJS.ErrnoException): FileChange {
  return { kind: 'unreadable', reason: `it cannot be read (${err.code != null ? `${err.code}: ` : ''}${err.message.replace(/^[A-Z]+: /, '')})` }
}
