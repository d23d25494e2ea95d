import { readFile, rename, unlink } from 'node:fs/promises'
import { join, relative } from 'node:path'
import type * as z from 'zod'
import type { DamagedFile } from '../../../shared/api.js'
import { log, type Logger } from '../base/log.js'
import { writeFileAtomic } from '../base/atomic-file.js'

/**
 * Where the state files of one data folder report a file found damaged: the
 * front ends show each to the user (an API event, a notice in the UI, a
 * warning line in the CLI). One per data folder, handed to every store.
 */
export class StateFiles {
  private readonly found: DamagedFile[] = []
  private readonly listeners = new Set<(d: DamagedFile) => void>()

  constructor (readonly dataDir: string, private readonly logger: Logger = log('state')) {}

  /** One state file of this data folder, `rel` being its path inside it. */
  file<T> (rel: string, schema: z.ZodType<T>, fallback: () => T, options: { mode?: number } = {}): JsonFile<T> {
    return new JsonFile(join(this.dataDir, rel), schema, fallback, this, options)
  }

  /** Every file found damaged since start, oldest first. */
  damaged (): DamagedFile[] {
    return [...this.found]
  }

  onDamaged (listener: (d: DamagedFile) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /**
   * Moves a damaged `path` aside to `<path>.corrupt-<time>` (with `along`, files that
   * belong with it, under the same suffix) and reports it; when it cannot be moved it stays, and that is said too.
   */
  async setAside (path: string, reason: string, along: readonly string[] = []): Promise<void> {
    const suffix = `.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`
    try {
      await rename(path, path + suffix)
    } catch (err) {
      this.report(path, path, `${reason}; could not be moved aside (${(err as Error).message})`)
      return
    }
    for (const other of along) await rename(other, other + suffix).catch(() => {})
    this.report(path, path + suffix, reason)
  }

  /** A damaged file left where it is (unreadable now, it may read again later). */
  report (path: string, movedTo: string, reason: string): void {
    const d: DamagedFile = { file: relative(this.dataDir, path), movedTo: relative(this.dataDir, movedTo), reason, at: Date.now() }
    this.logger.error('%s was damaged (%s): moved aside to %s, starting from its defaults', d.file, reason, d.movedTo)
    this.found.push(d)
    for (const l of this.listeners) l(d)
  }
}

/**
 * One JSON state file: read against a zod schema, written atomically (temp
 * file, fsync, rename, folder fsync) through a queue that keeps saves in order.
 * A missing file gives the default. A damaged one is never read as empty and
 * then silently overwritten: it is moved aside to `<name>.corrupt-<time>`,
 * reported, and the default is used. A failed save rejects its caller and
 * leaves the queue working: the next save tries again.
 */
export class JsonFile<T> {
  private queue: Promise<void> = Promise.resolve()

  constructor (
    readonly path: string,
    private readonly schema: z.ZodType<T>,
    private readonly fallback: () => T,
    private readonly reports: StateFiles,
    private readonly options: { mode?: number } = {}
  ) {}

  async load (): Promise<T> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.fallback()
      // Unreadable (EIO, EACCES): kept where it is, since it may read again later; not trusted now.
      this.reports.report(this.path, this.path, `cannot be read: ${(err as Error).message}`)
      return this.fallback()
    }
    let reason: string
    try {
      const parsed = this.schema.safeParse(JSON.parse(text))
      if (parsed.success) return parsed.data
      reason = `does not match what Swarmdrop writes: ${parsed.error.issues.slice(0, 3).map(i => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`
    } catch (err) {
      reason = `is not valid JSON: ${(err as Error).message}`
    }
    await this.reports.setAside(this.path, reason)
    return this.fallback()
  }

  /** Saves `value` as it is now (serialised at the call), after any save before it. */
  async save (value: T): Promise<void> {
    const text = JSON.stringify(value)
    const mine = this.queue.then(async () => { await writeFileAtomic(this.path, text, this.options) })
    // The queue goes on after a failure: the next save writes the whole value again.
    this.queue = mine.catch(() => {})
    await mine
  }

  /** Deletes the file (a missing one is fine); any other failure is thrown, so a removed record cannot come back. */
  async remove (): Promise<void> {
    const mine = this.queue.then(async () => {
      await unlink(this.path).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') throw err })
    })
    this.queue = mine.catch(() => {})
    await mine
  }

  /** Resolves once every save asked for so far has finished (or failed). */
  async flushed (): Promise<void> {
    await this.queue
  }
}
