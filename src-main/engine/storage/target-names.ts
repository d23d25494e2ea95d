import type { Stats } from 'node:fs'
import { statSync } from 'node:fs'
import { lstat } from 'node:fs/promises'
import { join } from 'node:path'
import { EventLoopSlicer } from '../base/event-loop.js'
import { MAX_SEGMENT_BYTES, sanitisePath } from './sanitise.js'

/**
 * Where a download's files go when their names are taken: a share's one
 * folder moves whole to `name (n)`, and a file that meets something else at
 * its name becomes `name (n).ext`. Nothing already on disk is overwritten.
 */

/**
 * A share whose files all sit in one folder keeps that folder together: if
 * the folder's name is taken by something that is not a folder, the share
 * goes to `name (n)` instead.
 */
export async function withFreeRoot (root: string, paths: ReadonlyArray<readonly string[]>): Promise<string[][]> {
  const out = paths.map(p => sanitisePath(p))
  const first = out[0]?.[0]
  if (first == null || !out.every(p => p.length > 1 && p[0] === first)) return out
  let name = first
  for (let n = 1; ; n++) {
    const st = await lstat(join(root, name)).catch(() => null)
    if (st == null || (st.isDirectory() && !st.isSymbolicLink())) break
    name = `${first} (${n})`
  }
  return out.map(p => [name, ...p.slice(1)])
}

/**
 * The first `name (n).ext` in `dir` that is free, also of `name (n).ext<partSuffix>`;
 * counted from the manifest's own name, so a second clash gives `name (2)`, not `name (1) (1)`.
 */
export async function freeName (dir: string, name: string, partSuffix: string): Promise<string> {
  const { stem, ext } = splitName(name)
  for (let n = 1; ; n++) {
    let cut = stem
    // Room for the suffix and `.part` within the usual 255-byte name limit.
    while (cut.length > 1 && Buffer.byteLength(`${cut} (${n})${ext}`) > MAX_SEGMENT_BYTES) cut = cut.slice(0, -1)
    const candidate = join(dir, `${cut} (${n})${ext}`)
    if (!await exists(candidate) && !await exists(candidate + partSuffix)) return candidate
  }
}

/**
 * Each path's stat, null where there is none. Synchronous calls, the loop let
 * go every few milliseconds: thousands of async stats cost a thread-pool round
 * trip each (~0.5 ms here), the calls themselves microseconds.
 */
export async function statAll (paths: readonly string[]): Promise<Array<Stats | null>> {
  const out: Array<Stats | null> = []
  const slicer = new EventLoopSlicer()
  for (const p of paths) {
    await slicer.maybeYield()
    try { out.push(statSync(p)) } catch { out.push(null) }
  }
  return out
}

/** `photo.tar.gz` -> `photo` + `.tar.gz` would surprise people; only the last extension moves. */
function splitName (name: string): { stem: string, ext: string } {
  const dot = name.lastIndexOf('.')
  return dot > 0 ? { stem: name.slice(0, dot), ext: name.slice(dot) } : { stem: name, ext: '' }
}

async function exists (path: string): Promise<boolean> {
  return await lstat(path).then(() => true, () => false)
}
