import { createHash } from 'node:crypto'
import { open, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises'
import { Bitfield } from '../../../shared/bitfield.js'
import { DestinationExistsError, DiskFullError } from '../../../shared/errors.js'
import type { Manifest } from '../../../shared/manifest.js'
import { expectedHash, type PieceLayout } from '../content/layout.js'
import { fsyncDir } from '../store/atomic-file.js'
import { prepareTarget } from './sanitise.js'
import { dirname } from 'node:path'

export const PART_SUFFIX = '.part'

/**
 * A download's files on disk. Pieces go into `<name>.part` at their offsets
 * (the file grows sparse, nothing is held in memory); a file is renamed to
 * its real name only once every piece in it is verified.
 */
export class PartFiles {
  private readonly handles = new Map<number, Promise<FileHandle>>()
  private readonly finished: boolean[]

  private constructor (
    readonly manifest: Manifest,
    readonly layout: PieceLayout,
    /** Final path of each file. */
    readonly targets: string[]
  ) {
    this.finished = targets.map(() => false)
  }

  /** Resolves every target path safely under `outDir` (creating folders). */
  static async open (outDir: string, manifest: Manifest, layout: PieceLayout): Promise<PartFiles> {
    const targets: string[] = []
    for (const f of manifest.files) targets.push(await prepareTarget(outDir, f.path))
    return new PartFiles(manifest, layout, targets)
  }

  partPath (file: number): string {
    return this.targets[file]! + PART_SUFFIX
  }

  isFinished (file: number): boolean {
    return this.finished[file]!
  }

  /**
   * Finds the verified pieces already on disk, in finished files and in
   * `.part` files. Pieces in `trusted` were synced to disk before that
   * bitfield was saved, so they are taken as verified. When `trustedIsAll`
   * (a clean stop) nothing else is looked at; otherwise (a crash) every other
   * piece that has bytes on disk is re-hashed, so no verified work is lost
   * and nothing unverified is trusted.
   */
  async scan (trusted: Bitfield | null, trustedIsAll: boolean, onBytes: (n: number) => void = () => {}): Promise<Bitfield> {
    const have = new Bitfield(this.layout.count)
    for (let file = 0; file < this.targets.length; file++) {
      const size = this.manifest.files[file]!.size
      const first = this.layout.firstPiece[file]!
      const last = this.layout.firstPiece[file + 1]!
      const finalSt = await stat(this.targets[file]!).catch(() => null)
      if (finalSt != null) {
        // Something already sits at the target: ours from an earlier run, the same content
        // from elsewhere, or an unrelated file we must not overwrite.
        let ok = finalSt.isFile() && finalSt.size === size
        if (ok && !(trusted != null && allSet(trusted, first, last))) ok = await this.hashPieces(this.targets[file]!, first, last, null, have, onBytes) === last - first
        if (!ok) throw new DestinationExistsError(`"${this.targets[file]}" already exists and is not this download's file; move it away or choose another --out`)
        for (let i = first; i < last; i++) have.set(i)
        this.finished[file] = true
        continue
      }
      if (trusted != null) for (let i = first; i < last; i++) if (trusted.get(i)) have.set(i)
      if (trustedIsAll) continue
      const partSt = await stat(this.partPath(file)).catch(() => null)
      if (partSt?.isFile() === true) await this.hashPieces(this.partPath(file), first, last, have, have, onBytes)
    }
    return have
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
        if (done === len && Buffer.compare(createHash('sha256').update(buf).digest(), expectedHash(this.manifest, i)) === 0) {
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
        const { bytesWritten } = await fh.writev(pending, pos)
        pos += bytesWritten
        pending = skipBytes(pending, bytesWritten)
      }
    } catch (err) {
      throw diskError(err, this.partPath(file))
    }
  }

  async readPiece (index: number): Promise<Buffer> {
    const file = this.layout.fileOf[index]!
    const len = this.layout.lengthOf[index]!
    const buf = Buffer.allocUnsafe(len)
    const path = this.finished[file]! ? this.targets[file]! : this.partPath(file)
    const fh = this.finished[file]! ? await open(path, 'r') : await this.handle(file)
    try {
      const { bytesRead } = await fh.read(buf, 0, len, this.layout.offsetOf[index]!)
      if (bytesRead !== len) throw new Error(`short read of piece ${index}`)
      return buf
    } finally {
      if (this.finished[file]!) await fh.close()
    }
  }

  /** Syncs a complete file and renames it into place. */
  async finishFile (file: number): Promise<void> {
    if (this.finished[file]!) return
    const target = this.targets[file]!
    const size = this.manifest.files[file]!.size
    if (size === 0) {
      await writeFile(target, new Uint8Array(0), { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EEXIST') throw new DestinationExistsError(`"${target}" appeared while downloading; it was not overwritten`)
        throw diskError(err, target)
      })
    } else {
      const fh = await this.handle(file)
      try {
        await fh.truncate(size)
        await fh.datasync()
      } catch (err) {
        throw diskError(err, this.partPath(file))
      }
      this.handles.delete(file)
      await fh.close()
      if (await stat(target).catch(() => null) != null) throw new DestinationExistsError(`"${target}" appeared while downloading; the finished data stays in "${this.partPath(file)}"`)
      await rename(this.partPath(file), target)
    }
    await fsyncDir(dirname(target))
    this.finished[file] = true
  }

  /** Makes written data durable, so a bitfield saved after this can be trusted. */
  async sync (): Promise<void> {
    for (const p of this.handles.values()) {
      const fh = await p.catch(() => null)
      await fh?.datasync().catch(() => {})
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

  private async handle (file: number): Promise<FileHandle> {
    let p = this.handles.get(file)
    if (p == null) {
      // r+ keeps what an earlier run wrote; create the file first if it is new.
      const path = this.partPath(file)
      p = open(path, 'r+').catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err
        return await open(path, 'w+')
      })
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

function diskError (err: unknown, path: string): unknown {
  const code = (err as NodeJS.ErrnoException).code
  if (code === 'ENOSPC' || code === 'EDQUOT') return new DiskFullError(`disk full while writing "${path}"; free some space and run the download again to continue`, err)
  return err
}

function allSet (bf: Bitfield, first: number, last: number): boolean {
  for (let i = first; i < last; i++) if (!bf.get(i)) return false
  return true
}
