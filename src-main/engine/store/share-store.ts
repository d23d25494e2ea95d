import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { z } from 'zod'
import { choosePieceSize, type Manifest } from '../../../shared/manifest.js'
import { hashFilePieces } from '../content/hasher.js'
import { decodeManifest, encodeManifest } from '../content/manifest-codec.js'
import { collectFiles, type SkippedEntry } from '../content/share-builder.js'
import { log } from '../log.js'
import { writeFileAtomic } from './atomic-file.js'
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
  access: shareAccessSchema.default(PUBLIC)
})

const hashCacheSchema = z.object({
  path: z.string(),
  size: z.number(),
  mtimeMs: z.number(),
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

  constructor (dataDir: string) {
    this.dir = join(dataDir, 'shares')
    this.cacheDir = join(dataDir, 'hash-cache')
  }

  async load (): Promise<void> {
    await mkdir(this.dir, { recursive: true })
    for (const name of await readdir(this.dir)) {
      if (!name.endsWith('.json')) continue
      try {
        const rec = shareFileSchema.parse(JSON.parse(await readFile(join(this.dir, name), 'utf8')))
        const bytes = await readFile(join(this.dir, `${rec.cid}.cbor`))
        const manifest = decodeManifest(bytes, CID.parse(rec.cid))
        this.shares.set(rec.cid, { ...rec, manifest, manifestBytes: bytes })
      } catch (err) {
        // One unreadable record must not stop the node; the share can be added again.
        logger.error('skipping unreadable share record %s: %e', name, err)
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
    const total = source.files.reduce((n, f) => n + f.size, 0)
    const pieceSize = choosePieceSize(total)
    const hashes: Uint8Array[] = []
    let done = 0
    let hashedBytes = 0
    let reusedBytes = 0
    for (const f of source.files) {
      const cached = await this.cachedHashes(f.absPath, f.size, f.mtimeMs, pieceSize)
      if (cached != null) {
        hashes.push(cached)
        reusedBytes += f.size
        done += f.size
        onProgress({ bytes: done, total, file: f.absPath })
        continue
      }
      const h = await hashFilePieces(f.absPath, f.size, pieceSize, n => {
        done += n
        onProgress({ bytes: done, total, file: f.absPath })
      }, signal)
      hashedBytes += f.size
      hashes.push(h)
      await this.cacheHashes(f.absPath, f.size, f.mtimeMs, pieceSize, h)
    }
    const manifest: Manifest = {
      v: 1,
      name: source.name,
      pieceSize,
      files: source.files.map(f => ({ path: f.path, size: f.size })),
      pieces: concat(hashes)
    }
    const share = await this.put(manifest, source.files.map(f => f.absPath), source.roots, access)
    logger('shared %s (%s, %d files, %d bytes hashed)', share.cid, manifest.name, manifest.files.length, hashedBytes)
    return { share, hashedBytes, reusedBytes, skipped: source.skipped }
  }

  /** Registers content whose files are already verified (a finished download). */
  async addVerified (manifest: Manifest, files: string[], mtimes: number[], access: ShareAccess = PUBLIC): Promise<ShareRecord> {
    let offset = 0
    for (let i = 0; i < files.length; i++) {
      const f = manifest.files[i]!
      const n = Math.ceil(f.size / manifest.pieceSize) * 32
      await this.cacheHashes(files[i]!, f.size, mtimes[i]!, manifest.pieceSize, manifest.pieces.subarray(offset, offset + n))
      offset += n
    }
    return await this.put(manifest, files, files, access)
  }

  async setAccess (cid: string, access: ShareAccess): Promise<ShareRecord> {
    const rec = this.shares.get(cid)
    if (rec == null) throw new Error(`no share ${cid}`)
    const updated = { ...rec, access }
    await this.writeRecord(updated)
    this.shares.set(cid, updated)
    return updated
  }

  async remove (cid: string): Promise<boolean> {
    if (!this.shares.delete(cid)) return false
    await unlink(join(this.dir, `${cid}.json`)).catch(() => {})
    await unlink(join(this.dir, `${cid}.cbor`)).catch(() => {})
    return true
  }

  private async put (manifest: Manifest, files: string[], roots: string[], access: ShareAccess): Promise<ShareRecord> {
    const { cid, bytes } = encodeManifest(manifest)
    const rec: ShareRecord = { cid: cid.toString(), manifest, manifestBytes: bytes, files, roots, createdAt: Date.now(), access }
    // Manifest first: a record pointing to a missing manifest would be dropped at load.
    await writeFileAtomic(join(this.dir, `${rec.cid}.cbor`), bytes)
    await this.writeRecord(rec)
    this.shares.set(rec.cid, rec)
    return rec
  }

  private async writeRecord (rec: ShareRecord): Promise<void> {
    await writeFileAtomic(join(this.dir, `${rec.cid}.json`), JSON.stringify({ cid: rec.cid, roots: rec.roots, files: rec.files, createdAt: rec.createdAt, access: rec.access }))
  }

  private cacheFile (absPath: string): string {
    return join(this.cacheDir, `${createHash('sha256').update(absPath).digest('hex').slice(0, 32)}.json`)
  }

  private async cachedHashes (absPath: string, size: number, mtimeMs: number, pieceSize: number): Promise<Uint8Array | null> {
    try {
      const c = hashCacheSchema.parse(JSON.parse(await readFile(this.cacheFile(absPath), 'utf8')))
      if (c.path !== absPath || c.size !== size || c.mtimeMs !== mtimeMs || c.pieceSize !== pieceSize) return null
      const hashes = Buffer.from(c.hashes, 'base64')
      return hashes.byteLength === Math.ceil(size / pieceSize) * 32 ? hashes : null
    } catch {
      return null
    }
  }

  private async cacheHashes (absPath: string, size: number, mtimeMs: number, pieceSize: number, hashes: Uint8Array): Promise<void> {
    await writeFileAtomic(this.cacheFile(absPath), JSON.stringify({ path: absPath, size, mtimeMs, pieceSize, hashes: Buffer.from(hashes).toString('base64') }))
  }
}

function concat (parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let o = 0
  for (const p of parts) { out.set(p, o); o += p.byteLength }
  return out
}

