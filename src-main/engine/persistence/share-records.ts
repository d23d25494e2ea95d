export type { HashProgress } from '../content/share-hashing.js'
import { mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as z from 'zod'
import { choosePieceSize, type Manifest } from '../../../shared/manifest.js'
import { SMALL_FILE_BYTES } from '../storage/small-files.js'
import { decodeManifest, encodeManifest } from '../content/manifest-codec.js'
import { collectFiles, type SkippedEntry } from '../content/share-builder.js'
import { hashFiles, type HashProgress } from '../content/share-hashing.js'
import { log } from '../base/log.js'
import { writeFileAtomic } from '../base/atomic-file.js'
import { HashCache } from './hash-cache.js'
import type { JsonFile, StateFiles } from './json-file.js'
import { fileStampSchema, stampOf, type FileChangeKind, type FileStamp } from '../storage/file-stamp.js'
import { PathNotFoundError, UsageError } from '../../../shared/errors.js'
import { PUBLIC, shareAccessSchema, type ShareAccess } from '../access/share-access.js'

const logger = log('shares')

export interface ShareRecord {
  cid: string
  manifest: Manifest
  manifestBytes: Uint8Array
  /** Absolute path on disk of each manifest file, same order. */
  files: string[]
  roots: string[]
  createdAt: number
  access: ShareAccess
  /** What each file was when hashed (same order as `files`): it is served only while it still is. */
  stamps: FileStamp[]
  /** Set once a file changed on disk: the share is no longer served until shared again. */
  changed: ShareChange | null
}

export interface ShareChange {
  /** Absolute path of the file that changed. */
  file: string
  kind: FileChangeKind
  reason: string
  at: number
}

export interface AddShareResult {
  share: ShareRecord
  hashedBytes: number
  reusedBytes: number
  skipped: SkippedEntry[]
}

const shareFileSchema = z.object({
  cid: z.string(),
  roots: z.array(z.string()),
  files: z.array(z.string()),
  createdAt: z.number(),
  // Records from before private shares have none: they are public.
  access: shareAccessSchema.default(PUBLIC),
  // Records from before file stamps have none: load() rebuilds what it can (size, and mtime from the hash cache).
  stamps: z.array(fileStampSchema).optional(),
  changed: z.object({ file: z.string(), kind: z.enum(['gone', 'replaced', 'resized', 'modified', 'unreadable']), reason: z.string(), at: z.number() }).nullable().default(null)
})

type ShareFile = z.infer<typeof shareFileSchema>


/**
 * What this node shares, kept under `<data>/shares`, plus a cache of piece
 * hashes keyed by path, size and mtime so sharing an unchanged file again
 * costs no hashing.
 */
export class ShareRecords {
  private readonly dir: string
  private readonly cacheDir: string
  private readonly hashCache: HashCache
  private readonly shares = new Map<string, ShareRecord>()
  private readonly records = new Map<string, JsonFile<ShareFile | null>>()

  constructor (private readonly state: StateFiles) {
    this.dir = join(state.dataDir, 'shares')
    this.cacheDir = join(state.dataDir, 'hash-cache')
    this.hashCache = new HashCache(this.cacheDir)
  }

  private recordFile (cid: string): JsonFile<ShareFile | null> {
    let f = this.records.get(cid)
    // One per record, so its saves queue behind each other.
    if (f == null) { f = this.state.file(`shares/${cid}.json`, shareFileSchema.nullable(), () => null); this.records.set(cid, f) }
    return f
  }

  async load (): Promise<void> {
    await mkdir(this.dir, { recursive: true })
    await mkdir(this.cacheDir, { recursive: true })
    for (const name of await readdir(this.dir)) {
      if (!name.endsWith('.json')) continue
      // A damaged record is moved aside and reported (one bad record must not stop the node; the share can be added again).
      const rec = await this.recordFile(name.slice(0, -'.json'.length)).load()
      if (rec == null) continue
      const manifestPath = join(this.dir, `${rec.cid}.cbor`)
      try {
        const bytes = await readFile(manifestPath)
        const manifest = decodeManifest(bytes, CID.parse(rec.cid))
        if (rec.files.length !== manifest.files.length) throw new Error('record and manifest list different files')
        const stamps = rec.stamps ?? await this.legacyStamps(rec.files, manifest)
        this.shares.set(rec.cid, { ...rec, stamps, manifest, manifestBytes: bytes })
      } catch (err) {
        // The record is fine, its manifest is not: both go aside together, and the user hears of it.
        // The record first: it is there to move, while the manifest may be missing altogether.
        await this.state.setAside(join(this.dir, name), `the manifest of share ${rec.cid} cannot be used: ${(err as Error).message}`, [manifestPath])
      }
    }
  }

  get (cid: string): ShareRecord | undefined {
    return this.shares.get(cid)
  }

  list (): ShareRecord[] {
    return [...this.shares.values()]
  }

  async add (paths: readonly string[], onProgress: (p: HashProgress) => void = () => {}, signal?: AbortSignal, access: ShareAccess = PUBLIC): Promise<AddShareResult> {
    const source = await collectFiles(paths)
    const files = source.files.map(f => ({ absPath: f.absPath, stamp: { size: f.size, mtimeMs: f.mtimeMs, ino: f.ino, dev: f.dev } }))
    const pieceSize = choosePieceSize(source.files.reduce((n, f) => n + f.size, 0))
    const hashed = await hashFiles(files, pieceSize, { cache: this.hashCache, onProgress, signal, log: logger })
    const manifest: Manifest = {
      v: 1,
      name: source.name,
      pieceSize,
      files: source.files.map(f => ({ path: f.path, size: f.size })),
      pieces: hashed.pieces
    }
    const share = await this.put(manifest, files.map(f => f.absPath), source.roots, access, files.map(f => f.stamp))
    logger('shared %s (%s, %d files, %d bytes hashed)', share.cid, manifest.name, manifest.files.length, hashed.hashedBytes)
    return { share, hashedBytes: hashed.hashedBytes, reusedBytes: hashed.reusedBytes, skipped: source.skipped }
  }

  /**
   * Hashes a share's files again as they are now, keeping its name, layout and
   * access: the share a changed one becomes. The old record stays until the
   * caller removes it (the new one has the same CID if nothing really changed).
   */
  async rehash (cid: string, onProgress: (p: HashProgress) => void = () => {}, signal?: AbortSignal): Promise<AddShareResult> {
    const rec = this.shares.get(cid)
    if (rec == null) throw new Error(`no share ${cid}`)
    const files = await Promise.all(rec.files.map(async absPath => {
      const st = await stat(absPath).catch(() => null)
      if (st == null) throw new PathNotFoundError(`cannot share "${rec.manifest.name}" again: ${absPath} is gone; share what is there now instead`)
      if (!st.isFile()) throw new UsageError(`cannot share "${rec.manifest.name}" again: ${absPath} is no longer a regular file`)
      return { absPath, stamp: stampOf(st) }
    }))
    const pieceSize = choosePieceSize(files.reduce((n, f) => n + f.stamp.size, 0))
    const hashed = await hashFiles(files, pieceSize, { cache: this.hashCache, onProgress, signal, log: logger })
    const manifest: Manifest = {
      v: 1,
      name: rec.manifest.name,
      pieceSize,
      files: rec.manifest.files.map((f, i) => ({ path: f.path, size: files[i]!.stamp.size })),
      pieces: hashed.pieces
    }
    const share = await this.put(manifest, rec.files, rec.roots, rec.access, files.map(f => f.stamp))
    logger('shared %s again as %s (%d bytes hashed)', cid, share.cid, hashed.hashedBytes)
    return { share, hashedBytes: hashed.hashedBytes, reusedBytes: hashed.reusedBytes, skipped: [] }
  }

  /** Registers content whose files are already verified (a finished download). */
  async addVerified (manifest: Manifest, files: string[], mtimes: number[], access: ShareAccess = PUBLIC): Promise<ShareRecord> {
    let offset = 0
    const stamps: FileStamp[] = []
    for (let i = 0; i < files.length; i++) {
      const f = manifest.files[i]!
      const n = Math.ceil(f.size / manifest.pieceSize) * 32
      // The mtime is the one the caller saw when the file was verified: a write since then shows as a change.
      const st = await stat(files[i]!)
      const stamp: FileStamp = { size: f.size, mtimeMs: mtimes[i]!, ino: st.ino, dev: st.dev }
      stamps.push(stamp)
      if (f.size > SMALL_FILE_BYTES) await this.hashCache.put(files[i]!, stamp, manifest.pieceSize, manifest.pieces.subarray(offset, offset + n))
      offset += n
    }
    return await this.put(manifest, files, files, access, stamps)
  }

  /** Records that a file of the share changed on disk; the first change is the one kept. */
  async markChanged (cid: string, change: ShareChange): Promise<ShareRecord | undefined> {
    const rec = this.shares.get(cid)
    if (rec == null || rec.changed != null) return rec
    const updated = { ...rec, changed: change }
    this.shares.set(cid, updated)
    await this.writeRecord(updated)
    return updated
  }

  async setAccess (cid: string, access: ShareAccess): Promise<ShareRecord> {
    const rec = this.shares.get(cid)
    if (rec == null) throw new Error(`no share ${cid}`)
    const updated = { ...rec, access }
    await this.writeRecord(updated)
    this.shares.set(cid, updated)
    return updated
  }

  /** Forgets a share. A record that cannot be deleted is an error: it would bring the share back at the next start. */
  async remove (cid: string): Promise<boolean> {
    if (!this.shares.has(cid)) return false
    await this.recordFile(cid).remove()
    this.shares.delete(cid)
    // Without its record a manifest is never read: one left behind costs only its bytes.
    await unlink(join(this.dir, `${cid}.cbor`)).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') logger.error('could not delete the manifest of %s: %e', cid, err) })
    return true
  }

  private async put (manifest: Manifest, files: string[], roots: string[], access: ShareAccess, stamps: FileStamp[]): Promise<ShareRecord> {
    const { cid, bytes } = encodeManifest(manifest)
    const rec: ShareRecord = { cid: cid.toString(), manifest, manifestBytes: bytes, files, roots, createdAt: Date.now(), access, stamps, changed: null }
    // Manifest first: a record pointing to a missing manifest would be dropped at load.
    await writeFileAtomic(join(this.dir, `${rec.cid}.cbor`), bytes)
    await this.writeRecord(rec)
    this.shares.set(rec.cid, rec)
    return rec
  }

  private async writeRecord (rec: ShareRecord): Promise<void> {
    await this.recordFile(rec.cid).save({ cid: rec.cid, roots: rec.roots, files: rec.files, createdAt: rec.createdAt, access: rec.access, stamps: rec.stamps, changed: rec.changed })
  }

  /**
   * For a record from before stamps: each file's size from the manifest, and its
   * mtime from the hash cache when that entry holds this share's hashes (a later
   * share of a changed file at the same path rewrote it, and its mtime is not ours).
   */
  private async legacyStamps (files: string[], manifest: Manifest): Promise<FileStamp[]> {
    const out: FileStamp[] = []
    let offset = 0
    for (const [i, absPath] of files.entries()) {
      const size = manifest.files[i]!.size
      const n = Math.ceil(size / manifest.pieceSize) * 32
      const ours = manifest.pieces.subarray(offset, offset + n)
      offset += n
      const c = await this.hashCache.entry(absPath)
      const same = c != null && c.path === absPath && c.size === size && c.pieceSize === manifest.pieceSize && Buffer.from(c.hashes, 'base64').equals(ours)
      out.push(same ? { size, mtimeMs: c.mtimeMs } : { size })
    }
    return out
  }
}
