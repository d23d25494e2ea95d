import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as z from 'zod'
import { choosePieceSize, type Manifest } from '../../../shared/manifest.js'
import { hashFilePieces, hashSmallFile, SMALL_FILE_BYTES } from '../content/hasher.js'
import { decodeManifest, encodeManifest } from '../content/manifest-codec.js'
import { collectFiles, type SkippedEntry } from '../content/share-builder.js'
import { EventLoopSlicer } from '../event-loop.js'
import { log } from '../log.js'
import { mapLimited } from '../map-limited.js'
import { writeFileAtomic } from './atomic-file.js'
import type { JsonFile, StateFiles } from './json-file.js'
import { compareStamp, fileStampSchema, stampOf, type FileChangeKind, type FileStamp } from '../storage/file-stamp.js'
import { PathNotFoundError, UsageError } from '../../../shared/errors.js'
import { PUBLIC, shareAccessSchema, type ShareAccess } from '../access/share-access.js'

const logger = log('shares')

/** Files hashed at once when a share is made. */
const HASH_CONCURRENCY = 8

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

export interface HashProgress {
  bytes: number
  total: number
  file: string
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

const hashCacheSchema = z.object({
  path: z.string(),
  size: z.number(),
  mtimeMs: z.number(),
  // Entries from before inodes were kept match on path, size and mtime alone.
  ino: z.number().optional(),
  pieceSize: z.number(),
  hashes: z.string()
})

/**
 * What this node shares, kept under `<data>/shares`, plus a cache of piece
 * hashes keyed by path, size and mtime so sharing an unchanged file again
 * costs no hashing.
 */
export class ShareStore {
  private readonly dir: string
  private readonly cacheDir: string
  private readonly shares = new Map<string, ShareRecord>()
  private readonly records = new Map<string, JsonFile<ShareFile | null>>()

  constructor (private readonly state: StateFiles) {
    this.dir = join(state.dataDir, 'shares')
    this.cacheDir = join(state.dataDir, 'hash-cache')
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
    const hashed = await this.hashAll(files, pieceSize, onProgress, signal)
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
    const hashed = await this.hashAll(files, pieceSize, onProgress, signal)
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

  private async hashAll (
    files: Array<{ absPath: string, stamp: FileStamp }>,
    pieceSize: number,
    onProgress: (p: HashProgress) => void,
    signal?: AbortSignal
  ): Promise<{ pieces: Uint8Array, hashedBytes: number, reusedBytes: number }> {
    const total = files.reduce((n, f) => n + f.stamp.size, 0)
    let done = 0
    let hashedBytes = 0
    let reusedBytes = 0
    // Small files are hashed synchronously (see SMALL_FILE_BYTES); the loop is let go now and then so the node stays responsive.
    const slicer = new EventLoopSlicer()
    const hashSmall = async (absPath: string, stamp: FileStamp): Promise<Uint8Array> => {
      signal?.throwIfAborted()
      await slicer.maybeYield()
      const { hashes, after } = hashSmallFile(absPath, stamp.size, pieceSize)
      if (compareStamp(stamp, after) != null) logger('%s changed while it was hashed', absPath)
      hashedBytes += stamp.size
      done += stamp.size
      onProgress({ bytes: done, total, file: absPath })
      return hashes
    }
    const hashOne = async ({ absPath, stamp }: { absPath: string, stamp: FileStamp }): Promise<Uint8Array> => {
      // Not cached either: reading a cache entry costs as much as hashing such a file again.
      if (stamp.size <= SMALL_FILE_BYTES) return await hashSmall(absPath, stamp)
      const cached = await this.cachedHashes(absPath, stamp, pieceSize)
      if (cached != null) {
        reusedBytes += stamp.size
        done += stamp.size
        onProgress({ bytes: done, total, file: absPath })
        return cached
      }
      const h = await hashFilePieces(absPath, stamp.size, pieceSize, n => {
        done += n
        onProgress({ bytes: done, total, file: absPath })
      }, signal)
      hashedBytes += stamp.size
      // A file written to while we hashed it may not match these hashes: not cached, and its
      // stamp (taken before hashing) marks the share changed the first time a piece is asked for.
      const after = await stat(absPath).catch(() => null)
      if (compareStamp(stamp, after) == null) await this.cacheHashes(absPath, stamp, pieceSize, h)
      else logger('%s changed while it was hashed', absPath)
      return h
    }
    // Several files at once: for small files the opens, stats and cache writes, not the hashing,
    // are the cost, and they wait on the disk one after another otherwise.
    const hashes = await mapLimited(files, HASH_CONCURRENCY, hashOne)
    return { pieces: concat(hashes), hashedBytes, reusedBytes }
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
      if (f.size > SMALL_FILE_BYTES) await this.cacheHashes(files[i]!, stamp, manifest.pieceSize, manifest.pieces.subarray(offset, offset + n))
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

  private cacheFile (absPath: string): string {
    return join(this.cacheDir, `${createHash('sha256').update(absPath).digest('hex').slice(0, 32)}.json`)
  }

  private async readCache (absPath: string): Promise<z.infer<typeof hashCacheSchema> | null> {
    try {
      return hashCacheSchema.parse(JSON.parse(await readFile(this.cacheFile(absPath), 'utf8')))
    } catch {
      return null
    }
  }

  private async cachedHashes (absPath: string, stamp: FileStamp, pieceSize: number): Promise<Uint8Array | null> {
    const c = await this.readCache(absPath)
    // The inode too: a file put in place with the same size and mtime (cp -p, rsync -t) is another file.
    if (c == null || c.path !== absPath || c.size !== stamp.size || c.mtimeMs !== stamp.mtimeMs || c.pieceSize !== pieceSize) return null
    if (c.ino != null && stamp.ino != null && c.ino !== stamp.ino) return null
    const hashes = Buffer.from(c.hashes, 'base64')
    return hashes.byteLength === Math.ceil(stamp.size / pieceSize) * 32 ? hashes : null
  }

  private async cacheHashes (absPath: string, stamp: FileStamp, pieceSize: number, hashes: Uint8Array): Promise<void> {
    // A cache, written in place: a crash may leave an entry torn or lose it, and a torn one fails
    // its parse and its length check (see cachedHashes) and is hashed again. Not worth a temp file,
    // a rename and a disk flush for each of a folder's thousands of files.
    const entry = JSON.stringify({ path: absPath, size: stamp.size, mtimeMs: stamp.mtimeMs, ino: stamp.ino, pieceSize, hashes: Buffer.from(hashes).toString('base64') })
    await writeFile(this.cacheFile(absPath), entry).catch(async (err: NodeJS.ErrnoException) => {
      // The folder went away under us (a data folder emptied while running): make it and try once more.
      if (err.code !== 'ENOENT') throw err
      await mkdir(this.cacheDir, { recursive: true })
      await writeFile(this.cacheFile(absPath), entry)
    })
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
      const c = await this.readCache(absPath)
      const same = c != null && c.path === absPath && c.size === size && c.pieceSize === manifest.pieceSize && Buffer.from(c.hashes, 'base64').equals(ours)
      out.push(same ? { size, mtimeMs: c.mtimeMs } : { size })
    }
    return out
  }
}

function concat (parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let o = 0
  for (const p of parts) { out.set(p, o); o += p.byteLength }
  return out
}

