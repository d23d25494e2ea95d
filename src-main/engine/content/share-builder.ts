import { lstat, readdir, realpath, stat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { PathNotFoundError, UsageError } from '../../../shared/errors.js'
import { MAX_FILES } from '../../../shared/manifest.js'
import { isInside } from '../storage/sanitise.js'

export interface SourceFile {
  /** Path segments as they will appear in the manifest. */
  path: string[]
  absPath: string
  size: number
  mtimeMs: number
  /** Where it lives: a later check tells this file from one put in its place. */
  ino: number
  dev: number
}

export interface SkippedEntry {
  absPath: string
  reason: string
}

export interface ShareSource {
  name: string
  roots: string[]
  files: SourceFile[]
  skipped: SkippedEntry[]
}

/**
 * Lists what sharing `paths` means. A symlink inside a shared folder is
 * followed only when it resolves inside that same folder: a link to
 * ~/.ssh placed in a shared folder must not publish ~/.ssh.
 */
export async function collectFiles (paths: readonly string[]): Promise<ShareSource> {
  if (paths.length === 0) throw new UsageError('nothing to share: give at least one file or folder')
  const files: SourceFile[] = []
  const skipped: SkippedEntry[] = []
  const roots: string[] = []
  const rootNames = new Set<string>()

  for (const p of paths) {
    const abs = resolve(p)
    const st = await stat(abs).catch(() => null)
    if (st == null) throw new PathNotFoundError(`cannot share "${p}": no such file or folder`)
    const name = basename(abs)
    if (rootNames.has(name.toLowerCase())) throw new UsageError(`cannot share two items named "${name}" in one share`)
    rootNames.add(name.toLowerCase())
    roots.push(abs)
    if (st.isFile()) {
      files.push({ path: [name], absPath: abs, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, dev: st.dev })
    } else if (st.isDirectory()) {
      const realRoot = await realpath(abs)
      await walk(abs, [name], realRoot, new Set([realRoot]), files, skipped)
    } else {
      throw new UsageError(`cannot share "${p}": not a regular file or folder`)
    }
    if (files.length > MAX_FILES) throw new UsageError(`too many files (more than ${MAX_FILES}); split the share`)
  }
  if (files.length === 0) throw new UsageError('nothing to share: the folders are empty')
  files.sort((a, b) => comparePaths(a.path, b.path))
  const name = paths.length === 1 ? basename(roots[0]!) : `${basename(roots[0]!)} and ${paths.length - 1} more`
  return { name, roots, files, skipped }
}

async function walk (dir: string, prefix: string[], realRoot: string, visited: Set<string>, files: SourceFile[], skipped: SkippedEntry[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true })
  for (const e of entries) {
    const abs = join(dir, e.name)
    let st = await lstat(abs)
    if (st.isSymbolicLink()) {
      const target = await realpath(abs).catch(() => null)
      if (target == null) {
        skipped.push({ absPath: abs, reason: 'broken symlink' })
        continue
      }
      if (target !== realRoot && !isInside(realRoot, target)) {
        skipped.push({ absPath: abs, reason: 'symlink points outside the shared folder' })
        continue
      }
      st = await stat(abs)
      if (st.isDirectory()) {
        if (visited.has(target)) {
          skipped.push({ absPath: abs, reason: 'symlink loop' })
          continue
        }
        visited.add(target)
      }
    }
    if (st.isDirectory()) {
      await walk(abs, [...prefix, e.name], realRoot, visited, files, skipped)
    } else if (st.isFile()) {
      files.push({ path: [...prefix, e.name], absPath: abs, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, dev: st.dev })
      if (files.length > MAX_FILES) return
    } else {
      skipped.push({ absPath: abs, reason: 'not a regular file' })
    }
  }
}

export function comparePaths (a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1
  }
  return a.length - b.length
}
