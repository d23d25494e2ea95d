import type { Stats } from 'node:fs'
import * as z from 'zod'
import type { FileChangeKind } from '../../../shared/errors.js'

export type { FileChangeKind }

/**
 * What identifies the file a share hashed: its size and mtime, and where it
 * lives (inode on its device). Records written before inodes were kept have
 * only size and mtime (or only size), and are checked by what they have.
 */
export interface FileStamp {
  size: number
  mtimeMs?: number
  ino?: number
  dev?: number
}

export const fileStampSchema = z.object({
  size: z.number().int().nonnegative(),
  mtimeMs: z.number().optional(),
  ino: z.number().int().nonnegative().optional(),
  dev: z.number().int().nonnegative().optional()
}).strict()

/** Why a file is no longer the one that was hashed, in words for people. */
export interface FileChange {
  kind: FileChangeKind
  reason: string
}

export function stampOf (st: Pick<Stats, 'size' | 'mtimeMs' | 'ino' | 'dev'>): FileStamp {
  return { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, dev: st.dev }
}

/** How `actual` (null: no file there) differs from the file `expected` describes; null when it is that file. */
export function compareStamp (expected: FileStamp, actual: Pick<Stats, 'size' | 'mtimeMs' | 'ino' | 'dev' | 'isFile'> | null): FileChange | null {
  if (actual == null) return { kind: 'gone', reason: 'the file was deleted or moved' }
  if (!actual.isFile()) return { kind: 'replaced', reason: 'the path is no longer a regular file' }
  if (expected.ino != null && actual.ino !== expected.ino) {
    // A device renumbered at boot (removable disks, some network mounts) keeps its inodes: dev alone proves nothing.
    return { kind: 'replaced', reason: 'the file was replaced by another one' }
  }
  if (actual.size !== expected.size) return { kind: 'resized', reason: `its size changed (${expected.size} → ${actual.size} bytes)` }
  if (expected.mtimeMs != null && actual.mtimeMs !== expected.mtimeMs) return { kind: 'modified', reason: 'it was modified' }
  return null
}

/**
 * Which file on disk a saved bitfield describes: a bitfield vouches for
 * pieces only while the file it was saved with is still there and the same
 * (device, inode, not shorter). mtime tells whether anything touched it since.
 */
export interface FileIdentity {
  dev: number
  ino: number
  size: number
  mtimeMs: number
}
