import type { Stats } from 'node:fs'
import { lstatSync, renameSync } from 'node:fs'
import { open, realpath, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, relative, sep } from 'node:path'
import { Bitfield } from '../../../shared/bitfield.js'
import { DiskError, DiskFullError } from '../../../shared/errors.js'
import type { Manifest } from '../../../shared/manifest.js'
import type { FileIdentity } from './file-stamp.js'
import { pieceMatches, type PieceLayout } from './piece-layout.js'
import { fsyncDir } from '../base/atomic-file.js'
import { HandleClosedError, PartHandle } from './part-handle.js'
import { freeName, statAll, withFreeRoot } from './target-names.js'
import { syncFileSystem, SYNCFS_MIN_FILES } from './sync-fs.js'
import { prepareTarget, sanitisePath } from './sanitise.js'

export const PART_SUFFIX = '.part'
/**
 * Written bytes past which a sync starts in the background, so the sync at
 * the end covers only the tail (a 512 MiB file synced at once took ~2 s here).
 */
export const SYNC_AHEAD_BYTES = 64 * 1024 * 1024
/** Complete files finished together at most, and how long the first waits for others. */
const FINISH_BATCH = 1024
const FINISH_DELAY_MS = 1000

/**
 * A download's files on disk. Pieces go into `<name>.part` at their offsets
 * (the file grows sparse, nothing is held in memory); a file is renamed to
 * its real name only once every piece in it is verified.
 */
/** What an earlier run saved: the verified pieces, and the files on disk they were verified in. */
export interface SavedPieces {
  bitfield: Bitfield | null
  /** A clean stop: nothing was written after the bitfield was saved. */
  clean: boolean
  files?: ReadonlyArray<FileIdentity | null>
}

/** Trusted pieces re-hashed when a `.part` was touched after its bitfield was saved: enough to catch a replaced file. */
const SPOT_CHECKS = 8

/**
 * A download's files on disk. Pieces go into `<name>.part` at their offsets
 * (the file grows sparse, nothing is held in memory); a file is renamed to
 * its real name only once every piece in it is verified. A name already taken
 * by another file is never overwritten: the download goes to `name (1).ext`.
 */
export class PartFiles {
  private readonly handles = new Map<number, Promise<PartHandle>>()
  private unsynced = 0
  /** Files whose `.part` the scan found absent. */
  private readonly absent = new Set<number>()
  /** Complete files waiting for the next batch, in order. */
  private readonly toFinish: number[] = []
  /** Files waiting or being finished, and who waits for them. */
  private readonly finishing = new Map<number, PromiseWithResolvers<void>>()
  private finishTimer?: NodeJS.Timeout
  private syncing: Promise<void> | null = null
  /**
   * The first sync that failed. Linux marks the pages clean after reporting a failed
   * writeback once, so a second sync would "succeed" over lost data: every later sync fails too.
   */
  private syncFailure?: Error
  private readonly finished: boolean[]

  private constructor (
    readonly outDir: string,
    readonly manifest: Manifest,
    readonly layout: PieceLayout,
    /** Final path of each file. */
    readonly targets: string[]
  ) {
    this.finished = targets.map(() => false)
  }

  /**
   * Resolves every target path safely under `outDir` (creating folders).
   * `saved` are the targets an earlier run chose (after name clashes), relative to outDir.
   */
  static async open (outDir: string, manifest: Manifest, layout: PieceLayout, saved?: readonly string[]): Promise<PartFiles> {
    const root = await realpath(outDir)
    const paths = saved?.length === manifest.files.length ? saved.map(p => p.split('/')) : await withFreeRoot(root, manifest.files.map(f => f.path))
    const targets: string[] = []
    const checked = { root, folders: new Set<string>() }
    for (const p of paths) targets.push(await prepareTarget(root, p, checked))
    return new PartFiles(root, manifest, layout, targets)
  }

  partPath (file: number): string {
    return this.targets[file]! + PART_SUFFIX
  }

  isFinished (file: number): boolean {
    return this.finished[file]!
  }

  /** Each target relative to outDir, `/`-separated: what a resume must reuse. */
  relativeTargets (): string[] {
    return this.targets.map(t => relative(this.outDir, t).split(sep).join('/'))
  }

  /** The file each manifest file lives in right now (its `.part`, or the finished file); null where there is none. */
  async identities (): Promise<Array<FileIdentity | null>> {
    return (await statAll(this.targets.map((t, i) => this.finished[i]! ? t : this.partPath(i)))).map(identityOf)
  }

  /**
   * Finds the verified pieces already on disk, in finished files and in
   * `.part` files. A saved bitfield vouches for a file's pieces only while
   * that file is the one it was saved with (same device and inode, not
   * shorter); a touched file has a sample of them re-hashed, and a missing or
   * different one loses them. After a clean stop nothing else is read; after a
   * crash every other piece with bytes on disk is re-hashed, so no verified
   * work is lost and nothing unverified is trusted. Something at a target
   * that is not this download's file moves the download to `name (1).ext`.
   */
  async scan (saved: SavedPieces | null, onBytes: (n: number) => void = () => {}): Promise<Bitfield> {
    const have = new Bitfield(this.layout.count)
    // Every file's two stats at once, not one after another: a folder of 3,000 small files is 6,000 of them.
    const finals = await statAll(this.targets)
    const parts = await statAll(this.targets.map((_, i) => this.partPath(i)))
    for (let file = 0; file < this.targets.length; file++) {
      const size = this.manifest.files[file]!.size
      const first = this.layout.firstPiece[file]!
      const last = this.layout.firstPiece[file + 1]!
      const recorded = saved?.files?.[file] ?? null
      const trustedAll = saved?.bitfield != null && allSet(saved.bitfield, first, last)
      const finalSt = finals[file]!
      if (finalSt != null) {
        // Something already sits at the target: ours from an earlier run, the same content
        // from elsewhere, or an unrelated file we must not overwrite.
        let ok = finalSt.isFile() && finalSt.size === size
        const unchanged = ok && trustedAll && sameFile(recorded, finalSt) && recorded!.mtimeMs === finalSt.mtimeMs
        if (ok && !unchanged) ok = await this.hashPieces(this.targets[file]!, first, last, null, have, onBytes) === last - first
        if (ok) {
          for (let i = first; i < last; i++) have.set(i)
          this.finished[file] = true
          continue
        }
        for (let i = first; i < last; i++) have.set(i, false)
        await this.moveAside(file)
      }
      // Moved aside above, the part file's name changed with the target's: look again.
      const partSt = finalSt == null ? parts[file]! : await stat(this.partPath(file)).catch(() => null)
      if (partSt == null) this.absent.add(file)
      if (partSt?.isFile() !== true) continue
      let trusted = saved?.bitfield != null && sameFile(recorded, partSt) && partSt.size >= recorded!.size
      if (trusted) for (let i = first; i < last; i++) if (saved!.bitfield!.get(i)) have.set(i)
      if (trusted && partSt.mtimeMs !== recorded!.mtimeMs) {
        // Written since: by us after the last checkpoint (new pieces only), or by someone else.
        if (saved!.clean || !await this.spotCheck(file, have)) {
          for (let i = first; i < last; i++) have.set(i, false)
          trusted = false
        }
      }
      if (trusted && saved!.clean) continue
      await this.hashPieces(this.partPath(file), first, last, have, have, onBytes)
    }
    return have
  }

  /** Re-hashes a few of a file's trusted pieces; false when any fails. */
  private async spotCheck (file: number, have: Bitfield): Promise<boolean> {
    const first = this.layout.firstPiece[file]!
    const last = this.layout.firstPiece[file + 1]!
    const trusted: number[] = []
    for (let i = first; i < last; i++) if (have.get(i)) trusted.push(i)
    const sample = new Set<number>([trusted[0]!, trusted.at(-1)!])
    while (sample.size < Math.min(SPOT_CHECKS, trusted.length)) sample.add(trusted[Math.floor(Math.random() * trusted.length)]!)
    const probe = new Bitfield(this.layout.count)
    const skip = new Bitfield(this.layout.count)
    for (let i = first; i < last; i++) if (!sample.has(i)) skip.set(i)
    const verified = await this.hashPieces(this.partPath(file), first, last, skip, probe, () => {})
    return verified === last - first
  }

  /**
   * The target is taken by a file that is not ours: the download goes to the
   * first free `name (n).ext`, and any `.part` this download already has moves with it.
   */
  private async moveAside (file: number): Promise<void> {
    const oldPart = this.partPath(file)
    // Counted from the manifest's own name, so a second clash gives `name (2)`, not `name (1) (1)`.
    this.targets[file] = await freeName(dirname(this.targets[file]!), sanitisePath(this.manifest.files[file]!.path).at(-1)!, PART_SUFFIX)
    await rename(oldPart, this.partPath(file)).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') throw err })
  }

  /** Hashes pieces first..last-1 of `path` (skipping those in `skip` and past its end); returns how many verified. */
  private async hashPieces (path: string, first: number, last: number, skip: Bitfield | null, have: Bitfield, onBytes: (n: number) => void): Promise<number> {
    const fh = await open(path, 'r')
    let verified = 0
    try {
      const size = (await fh.stat()).size
      for (let i = first; i < last; i++) {
        if (skip?.get(i) === true) { verified++; continue }
        const off = this.layout.offsetOf[i]!
        const len = this.layout.lengthOf[i]!
        if (off + len > size) continue
        const buf = Buffer.allocUnsafe(len)
        let done = 0
        while (done < len) {
          const { bytesRead } = await fh.read(buf, done, len - done, off + done)
          if (bytesRead === 0) break
          done += bytesRead
        }
        onBytes(len)
        if (done === len && pieceMatches(this.manifest, i, [buf])) {
          have.set(i)
          verified++
        }
      }
    } finally {
      await fh.close()
    }
    return verified
  }

  async writePiece (index: number, chunks: readonly Uint8Array[]): Promise<void> {
    const file = this.layout.fileOf[index]!
    const fh = await this.handle(file)
    let pos = this.layout.offsetOf[index]!
    try {
      let pending = [...chunks]
      while (pending.length > 0) {
        const bytesWritten = await fh.writev(pending, pos)
        pos += bytesWritten
        pending = skipBytes(pending, bytesWritten)
      }
    } catch (err) {
      throw diskError(err, this.partPath(file))
    }
    if (this.syncFailure != null) throw this.syncFailure
    this.unsynced += this.layout.lengthOf[index]!
    if (this.unsynced >= SYNC_AHEAD_BYTES && this.syncing == null) {
      this.unsynced = 0
      // Its failure is kept (syncFailure) and thrown by the next write or sync.
      this.syncing = this.sync().catch(() => {}).finally(() => { this.syncing = null })
    }
  }

  async readPiece (index: number): Promise<Buffer> {
    const file = this.layout.fileOf[index]!
    const len = this.layout.lengthOf[index]!
    const buf = Buffer.allocUnsafe(len)
    const path = this.finished[file]! ? this.targets[file]! : this.partPath(file)
    const own = this.finished[file]!
    const fh = own ? await PartHandle.open(path, 'r', this.manifest.files[file]!.size) : await this.handle(file)
    try {
      const bytesRead = await fh.read(buf, 0, len, this.layout.offsetOf[index]!)
      if (bytesRead !== len) throw new Error(`short read of piece ${index}`)
      return buf
    } catch (err) {
      // The file was finished under us (its handle closed, the .part renamed): read it where it is now.
      if (!(err instanceof HandleClosedError)) throw err
      await this.finishing.get(file)?.promise
      if (!this.finished[file]!) throw err
      return await this.readPiece(index)
    } finally {
      if (own) await fh.close()
    }
  }

  /**
   * Syncs a complete file and renames it into place. Files that complete
   * close together are synced, renamed and their folders synced as one batch:
   * a folder of 3,000 small files spent most of its time flushing the disk once a file.
   */
  async finishFile (file: number): Promise<void> {
    if (this.finished[file]!) return
    // Waiting for a batch, or in one being finished now: the same promise.
    const pending = this.finishing.get(file)
    if (pending != null) return await pending.promise
    const done = Promise.withResolvers<void>()
    this.finishing.set(file, done)
    this.toFinish.push(file)
    if (this.toFinish.length >= FINISH_BATCH) void this.flushFinished()
    else this.finishTimer ??= setTimeout(() => { void this.flushFinished() }, FINISH_DELAY_MS)
    await done.promise
  }

  /** Finishes every file waiting in the batch now (the download is complete: no reason to wait for more). */
  async flushFinished (): Promise<void> {
    clearTimeout(this.finishTimer)
    this.finishTimer = undefined
    const batch = this.toFinish.splice(0)
    if (batch.length === 0) return
    const settle = (err?: Error): void => {
      for (const file of batch) {
        const done = this.finishing.get(file)
        this.finishing.delete(file)
        if (err == null) done?.resolve()
        else done?.reject(err)
      }
    }
    try {
      // The data of every file first: many at once with one flush of the file system, a few each on its own
      // (concurrently: the file system commits concurrent syncs together).
      const together = batch.length >= SYNCFS_MIN_FILES
      await Promise.all(batch.map(async file => { await this.syncComplete(file, !together) }))
      if (together && !await syncFileSystem(this.outDir)) {
        await Promise.all(batch.map(async file => {
          await datasyncPath(this.partPath(file)).catch((err: unknown) => { throw diskError(err, this.partPath(file), 'saving') })
        }))
      }
      const dirs = new Set<string>()
      for (const file of batch) {
        await this.place(file)
        this.finished[file] = true
        dirs.add(dirname(this.targets[file]!))
      }
      await Promise.all([...dirs].map(async dir => { await fsyncDir(dir).catch((err: unknown) => { throw diskError(err, dir, 'saving') }) }))
      settle()
    } catch (err) {
      this.syncFailure ??= err as Error
      settle(err as Error)
    }
  }

  /** A complete `.part` file cut to size, its data on disk (unless the caller flushes them all at once), and closed. */
  private async syncComplete (file: number, sync = true): Promise<void> {
    const size = this.manifest.files[file]!.size
    if (size === 0) return
    const fh = await this.handle(file)
    try {
      await fh.truncate(size)
      if (sync) await fh.datasync()
    } catch (err) {
      this.syncFailure ??= diskError(err, this.partPath(file), 'saving') as Error
      throw this.syncFailure
    }
    this.handles.delete(file)
    await fh.close()
  }

  /** Puts a complete file under its name (an empty one is simply made there). */
  private async place (file: number): Promise<void> {
    if (this.manifest.files[file]!.size === 0) {
      for (let tries = 0; ; tries++) {
        const target = this.targets[file]!
        const made = await writeFile(target, new Uint8Array(0), { flag: 'wx' }).then(() => true, (err: NodeJS.ErrnoException) => {
          if (err.code === 'EEXIST' && tries < 100) return false
          throw diskError(err, target)
        })
        if (made) return
        // An empty file of that name is already what we would write.
        const st = await stat(target)
        if (st.isFile() && st.size === 0) return
        await this.moveAside(file)
      }
    }
    // Something took the name while we downloaded: it is not ours to overwrite. The check and the
    // rename are synchronous calls: metadata only, whatever the file's size, and a batch of
    // thousands of small files made a thread-pool round trip of each otherwise.
    if (existsSync(this.targets[file]!)) await this.moveAside(file)
    try {
      renameSync(this.partPath(file), this.targets[file]!)
    } catch (err) {
      throw diskError(err, this.targets[file]!, 'renaming')
    }
  }

  /**
   * Makes written data durable, so a bitfield saved after this can be trusted.
   * Throws DiskError (or DiskFullError) when the disk did not take it: then no
   * bitfield may vouch for what was written since the last good sync.
   */
  async sync (): Promise<void> {
    if (this.syncFailure != null) throw this.syncFailure
    try {
      if (this.handles.size >= SYNCFS_MIN_FILES && await syncFileSystem(this.outDir)) return
      for (const [file, p] of this.handles) {
        const fh = await p.catch(() => null)
        // Closed meanwhile by finishFile, which syncs a complete file itself before placing it.
        await fh?.datasync().catch((err: unknown) => { if (!(err instanceof HandleClosedError)) throw diskError(err, this.partPath(file), 'saving') })
      }
    } catch (err) {
      this.syncFailure ??= err as Error
      throw this.syncFailure
    }
  }

  /** Deletes every `.part` file (a cancelled download); finished files stay. */
  async removeUnfinished (): Promise<void> {
    await this.close()
    for (let i = 0; i < this.targets.length; i++) await rm(this.partPath(i), { force: true })
  }

  async close (): Promise<void> {
    const all = [...this.handles.values()]
    this.handles.clear()
    for (const p of all) await (await p.catch(() => null))?.close().catch(() => {})
  }

  private async handle (file: number): Promise<PartHandle> {
    let p = this.handles.get(file)
    if (p == null) {
      // r+ keeps what an earlier run wrote; a file the scan found absent is made at once (and
      // only if still absent), which spares a failed open per file of a folder of small ones.
      const path = this.partPath(file)
      const size = this.manifest.files[file]!.size
      const keep = async (): Promise<PartHandle> => await PartHandle.open(path, 'r+', size).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err
        return await PartHandle.open(path, 'w+', size)
      })
      p = this.absent.has(file)
        ? PartHandle.open(path, 'wx+', size).catch(async (err: NodeJS.ErrnoException) => { if (err.code !== 'EEXIST') throw err; return await keep() })
        : keep()
      this.absent.delete(file)
      this.handles.set(file, p)
      p.catch(() => this.handles.delete(file))
    }
    return await p
  }
}

function skipBytes (chunks: Uint8Array[], n: number): Uint8Array[] {
  const out: Uint8Array[] = []
  for (const c of chunks) {
    if (n >= c.byteLength) { n -= c.byteLength; continue }
    out.push(n > 0 ? c.subarray(n) : c)
    n = 0
  }
  return out
}

/** A failed write, sync or rename as the download reports it: the path and the system's words. */
function diskError (err: unknown, path: string, doing = 'writing'): unknown {
  if (err instanceof DiskError || err instanceof DiskFullError) return err
  const code = (err as NodeJS.ErrnoException).code
  if (code === 'ENOSPC' || code === 'EDQUOT') return new DiskFullError(`disk full while ${doing} "${path}"; free some space and run the download again to continue`, err)
  if (code == null) return err
  const words = (err as Error).message.replace(/^[A-Z]+: /, '').replace(/, \w+( '.*')?$/, '')
  return new DiskError(path, code, `the disk failed while ${doing} "${path}": ${code} (${words}); pieces not safely on disk will be fetched again`, err)
}

function identityOf (st: Stats | null): FileIdentity | null {
  return st == null || !st.isFile() ? null : { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs }
}

function sameFile (recorded: FileIdentity | null, st: Stats): boolean {
  return recorded != null && recorded.dev === st.dev && recorded.ino === st.ino
}

/** A closed file's data made durable: opened again for the one call (the fallback when the file system cannot be flushed at once). */
async function datasyncPath (path: string): Promise<void> {
  const fh = await open(path, 'r+')
  try { await fh.datasync() } finally { await fh.close() }
}

function existsSync (path: string): boolean {
  try { lstatSync(path); return true } catch { return false }
}



function allSet (bf: Bitfield, first: number, last: number): boolean {
  for (let i = first; i < last; i++) if (!bf.get(i)) return false
  return true
}
