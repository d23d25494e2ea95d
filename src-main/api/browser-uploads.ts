import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, readdir, rm } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, sep } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { UnsafePathError, UsageError } from '../../shared/errors.js'
import { unprintable } from '../../shared/format.js'
import { MAX_SEGMENT_BYTES, sanitiseSegment } from '../engine/index.js'

/** Deepest folder a browser upload may create; real trees are far shallower. */
export const MAX_UPLOAD_DEPTH = 64
const JOB = /^[0-9a-f]{32}$/

/**
 * Files dropped in a browser arrive here, streamed to disk (never held in
 * memory) under `<data>/uploads/<job>/`, and are then shared from there like
 * any other path. The relative path comes from the browser, so each segment
 * is sanitised and nothing can land outside the job's folder.
 */
export class UploadArea {
  readonly dir: string

  constructor (dataDir: string) {
    this.dir = join(dataDir, 'uploads')
  }

  newJob (): string {
    return randomBytes(16).toString('hex')
  }

  /** Writes one file; returns the absolute path of its top-level entry (what gets shared). */
  async write (job: string, relativePath: string, body: Readable): Promise<string> {
    if (!JOB.test(job)) throw new UsageError('bad upload job id')
    const segments = relativePath.split('/').filter(s => s !== '' && s !== '.')
    if (segments.length === 0 || segments.length > MAX_UPLOAD_DEPTH) throw new UnsafePathError(`unusable upload path "${relativePath}"`)
    if (segments.some(s => s === '..' || Buffer.byteLength(s) > MAX_SEGMENT_BYTES * 4)) throw new UnsafePathError(`upload path "${relativePath}" climbs out of its folder`)
    const safe = segments.map(uploadSegment)
    const root = join(this.dir, job)
    const target = join(root, ...safe)
    await mkdir(dirname(target), { recursive: true })
    try {
      await pipeline(body, createWriteStream(target, { flags: 'wx' }))
    } catch (err) {
      await rm(target, { force: true })
      throw err
    }
    return join(root, safe[0]!)
  }

  /** The upload job a path lies in, or null for a path of the user's own. */
  private jobOf (p: string): string | null {
    const rel = relative(this.dir, p)
    const job = rel.split(sep)[0] ?? ''
    return !rel.startsWith('..') && !isAbsolute(rel) && JOB.test(job) ? job : null
  }

  /** Are these a browser upload's copies (not the user's own files)? */
  holdsAll (roots: readonly string[]): boolean {
    return roots.length > 0 && roots.every(r => this.jobOf(r) != null)
  }

  /** Deletes every upload job no share uses (run at start, before any new upload). */
  async sweep (stillShared: readonly string[]): Promise<void> {
    const jobs = await readdir(this.dir).catch(() => [])
    await this.discardIfUnused(jobs.filter(j => JOB.test(j)).map(j => join(this.dir, j)), stillShared)
  }

  /** Deletes the upload jobs that held `roots`, unless a share still uses something in them. */
  async discardIfUnused (roots: readonly string[], stillShared: readonly string[]): Promise<void> {
    const busy = new Set(stillShared.map(r => this.jobOf(r)))
    for (const job of new Set(roots.map(r => this.jobOf(r)))) {
      if (job != null && !busy.has(job)) await rm(join(this.dir, job), { recursive: true, force: true })
    }
  }
}

/**
 * The uploaded file lands on this machine only, so on POSIX its name is kept
 * as the user chose it (odd names included); control characters and
 * backslashes are replaced, and Windows gets the full portable treatment.
 */
const UNPRINTABLE_OR_BACKSLASH = unprintable('\\\\')

function uploadSegment (raw: string): string {
  if (process.platform === 'win32') return sanitiseSegment(raw)
  const s = raw.normalize('NFC').replace(UNPRINTABLE_OR_BACKSLASH, '_')
  if (s === '' || s === '.' || s === '..' || Buffer.byteLength(s) > MAX_SEGMENT_BYTES) return sanitiseSegment(raw)
  return s
}
