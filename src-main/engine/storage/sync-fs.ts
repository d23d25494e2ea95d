import { execFile } from 'node:child_process'

/**
 * Many files made durable with one flush of their file system (syncfs(2),
 * through coreutils' `sync --file-system`) instead of one fdatasync each.
 * On ext4 each fdatasync of a new file forces a journal commit, and file
 * creation waits on those: downloading 3,000 files of 20 KB, every open of a
 * new `.part` took ~1.4 ms while other files were being synced (50 µs
 * without). Linux only; elsewhere, or when `sync` is missing or fails, this
 * says false and the caller syncs each file.
 */
let available = process.platform === 'linux'

export async function syncFileSystem (path: string): Promise<boolean> {
  if (!available) return false
  return await new Promise(resolve => {
    execFile('sync', ['--file-system', path], { timeout: SYNC_TIMEOUT_MS }, err => {
      // A `sync` without --file-system (busybox, very old coreutils) will not get one later either.
      if (err != null && (err as NodeJS.ErrnoException).code === 'ENOENT') available = false
      resolve(err == null)
    })
  })
}

/** Batches of fewer files than this are synced file by file: a process start costs more than a few fdatasyncs. */
export const SYNCFS_MIN_FILES = 16

/** A flush that takes longer than this is abandoned and the caller syncs each file (which then waits as long as it must). */
const SYNC_TIMEOUT_MS = 120_000
