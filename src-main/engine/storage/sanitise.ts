import { lstatSync, mkdirSync, type Stats } from 'node:fs'
import { realpath } from 'node:fs/promises'
import { join, relative, isAbsolute, sep } from 'node:path'
import { UnsafePathError } from '../../../shared/errors.js'
import { printable, unprintable } from '../../../shared/format.js'

/**
 * Names in a manifest come from strangers. A segment that tries to climb
 * (`..`, `.`, empty) makes the whole manifest unsafe; anything merely not
 * portable (characters Windows refuses, reserved device names, trailing dots,
 * over-long names) is rewritten to a safe equivalent, so a share made on one
 * OS downloads on every other.
 */

/** 255 bytes is the usual file-name limit; keep room for the `.part` suffix. */
export const MAX_SEGMENT_BYTES = 250
/** An extension longer than this is not worth keeping when a name is cut. */
const MAX_KEPT_EXTENSION = 32
/** A name quoted in an error is cut here: enough to recognise it, not a page of a stranger's text. */
const QUOTED_NAME_MAX = 120

// Unprintable characters and the ones Windows forbids in names.
const FORBIDDEN = unprintable('<>:"/\\\\|?*')
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i

export function sanitiseSegment (raw: string): string {
  if (raw === '' || raw === '.' || raw === '..') throw new UnsafePathError(`unsafe path segment "${raw}" in manifest`)
  let s = raw.normalize('NFC').replace(FORBIDDEN, '_')
  // Windows silently drops trailing dots and spaces, which would merge names.
  s = s.replace(/[. ]+$/, '')
  if (s === '' || s === '.' || s === '..') throw new UnsafePathError(`unsafe path segment "${printable(raw, QUOTED_NAME_MAX)}" in manifest`)
  const stem = s.split('.')[0]!
  if (RESERVED.test(stem.trimEnd())) s = `_${s}`
  return truncateUtf8(s, MAX_SEGMENT_BYTES)
}

export function sanitisePath (segments: readonly string[]): string[] {
  if (segments.length === 0) throw new UnsafePathError('empty path in manifest')
  return segments.map(sanitiseSegment)
}

/**
 * Every path must be distinct after sanitising, on a case-insensitive file
 * system too, and no file may also be a folder of another file.
 */
export function checkManifestPaths (paths: ReadonlyArray<readonly string[]>): void {
  const files = new Set<string>()
  const dirs = new Set<string>()
  for (const p of paths) {
    const clean = sanitisePath(p).map(s => s.toLowerCase())
    const key = clean.join('/')
    if (files.has(key) || dirs.has(key)) throw new UnsafePathError(`manifest names "${printable(p.join('/'), QUOTED_NAME_MAX)}" twice (or as both file and folder)`)
    files.add(key)
    for (let i = 1; i < clean.length; i++) {
      const d = clean.slice(0, i).join('/')
      if (files.has(d)) throw new UnsafePathError(`manifest uses file "${printable(p.slice(0, i).join('/'), QUOTED_NAME_MAX)}" as a folder`)
      dirs.add(d)
    }
  }
}

/**
 * Joins sanitised segments under `root`, creating the folders on the way and
 * refusing any that is a symlink or not a folder, so nothing already on disk
 * can redirect a write outside `root`. Returns the final path (not created).
 * The lstats and mkdirs are synchronous: a folder of 3,000 files made 3,000
 * thread-pool round trips one after another here (1.6 s), where the calls
 * themselves take microseconds.
 */
export async function prepareTarget (root: string, segments: readonly string[], checked?: CheckedFolders): Promise<string> {
  const clean = sanitisePath(segments)
  const rootReal = checked?.root ?? await realpath(root)
  let dir = rootReal
  for (const seg of clean.slice(0, -1)) {
    dir = join(dir, seg)
    if (checked?.folders.has(dir) === true) continue
    const st = lstatOrNull(dir)
    if (st == null) {
      mkdirSync(dir)
    } else if (st.isSymbolicLink() || !st.isDirectory()) {
      throw new UnsafePathError(`refusing to write through "${dir}": it is not a plain folder`)
    }
    checked?.folders.add(dir)
  }
  const target = join(dir, clean.at(-1)!)
  assertInside(rootReal, target)
  // Absent, or unreadable for another reason: nothing there to follow (the open that makes it says why, if anything).
  const st = lstatSync(target, { throwIfNoEntry: false })
  if (st?.isSymbolicLink() === true) throw new UnsafePathError(`refusing to write to "${target}": it is a symlink`)
  return target
}

/**
 * Folders already found plain (or made) while preparing one download's
 * targets: a folder of 3,000 files is checked once, not once a file.
 */
export interface CheckedFolders {
  /** The download folder, its real path already resolved. */
  root: string
  folders: Set<string>
}

export function isInside (root: string, target: string): boolean {
  const rel = relative(root, target)
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel)
}

export function assertInside (root: string, target: string): void {
  if (!isInside(root, target)) throw new UnsafePathError(`path "${target}" is outside the download folder`)
}

function truncateUtf8 (s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s
  const dot = s.lastIndexOf('.')
  const ext = dot > 0 && s.length - dot <= MAX_KEPT_EXTENSION ? s.slice(dot) : ''
  const budget = maxBytes - Buffer.byteLength(ext)
  let out = ''
  let used = 0
  for (const ch of s.slice(0, s.length - ext.length)) {
    const n = Buffer.byteLength(ch)
    if (used + n > budget) break
    out += ch
    used += n
  }
  return out + ext
}

function lstatOrNull (path: string): Stats | null {
  try {
    return lstatSync(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}
