import { createHash } from 'node:crypto'
import { mkdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import * as z from 'zod'
import { Bitfield } from '../../../shared/bitfield.js'
import { writeFileAtomic } from '../base/atomic-file.js'
import type { FileIdentity } from '../storage/file-stamp.js'
import type { JsonFile, StateFiles } from './json-file.js'

/** A peer this download has met, kept so a restart (ours or theirs) can find it again. */
export interface KnownPeer {
  peerId: string
  addrs: string[]
  lastSeen: number
}

/**
 * A download's record under `<data>/downloads/<key>/`: the manifest (so a
 * resume needs no peer to start) and its state. The bitfield is saved only
 * after the data it describes was synced, so it can be trusted as long as
 * `files` still match what is on disk. `clean` says it is also complete (a
 * graceful stop); after a crash it is false and the pieces it does not list
 * are re-hashed from disk.
 */
export interface DownloadState {
  cid: string
  outDir: string
  name: string
  bitfield: Bitfield | null
  clean: boolean
  complete: boolean
  /** The `.part` (or finished file) each manifest file had when the bitfield was saved; null where none. */
  files?: Array<FileIdentity | null>
  /** Where each file goes, relative to outDir: the manifest's path, or `name (1).ext` after a clash. */
  targets?: string[]
  updatedAt: number
}

const identitySchema = z.object({ dev: z.number(), ino: z.number(), size: z.number(), mtimeMs: z.number() })

const stateSchema = z.object({
  cid: z.string(),
  outDir: z.string(),
  name: z.string(),
  pieces: z.number().int().nonnegative(),
  bitfield: z.string().nullable(),
  clean: z.boolean(),
  complete: z.boolean(),
  // Records from before file identities had none: their bitfield vouches for nothing.
  files: z.array(identitySchema.nullable()).optional(),
  targets: z.array(z.string()).optional(),
  updatedAt: z.number()
})

const peersSchema = z.array(z.object({ peerId: z.string(), addrs: z.array(z.string()).max(32), lastSeen: z.number() })).max(1000)

/** Remembered peers per download: enough to find a swarm again, small enough to rewrite often. */
const MAX_KNOWN_PEERS = 64

export class DownloadRecord {
  readonly dir: string
  private readonly state: JsonFile<z.infer<typeof stateSchema> | null>
  private readonly peers: JsonFile<KnownPeer[]>

  constructor (files: StateFiles, readonly cid: string, readonly outDir: string) {
    const key = createHash('sha256').update(`${cid}\0${outDir}`).digest('hex').slice(0, 24)
    this.dir = join(files.dataDir, 'downloads', key)
    this.state = files.file(`downloads/${key}/state.json`, stateSchema.nullable(), () => null)
    this.peers = files.file(`downloads/${key}/peers.json`, peersSchema, () => [])
  }

  async remove (): Promise<void> {
    await rm(this.dir, { recursive: true, force: true })
  }

  async loadManifest (): Promise<Uint8Array | null> {
    return await readFile(join(this.dir, 'manifest.cbor')).catch(() => null)
  }

  async saveManifest (bytes: Uint8Array): Promise<void> {
    await mkdir(this.dir, { recursive: true })
    await writeFileAtomic(join(this.dir, 'manifest.cbor'), bytes)
  }

  /**
   * Returns null when there is no usable state: missing, damaged (moved aside and reported)
   * or another download's; each means "verify the disk".
   */
  async loadState (pieces: number): Promise<DownloadState | null> {
    const raw = await this.state.load()
    if (raw == null || raw.cid !== this.cid || raw.outDir !== this.outDir || raw.pieces !== pieces) return null
    let bitfield: Bitfield | null
    try {
      bitfield = raw.bitfield == null ? null : new Bitfield(pieces, Buffer.from(raw.bitfield, 'base64'))
    } catch {
      // A bitfield of the wrong length vouches for nothing.
      return null
    }
    return { cid: raw.cid, outDir: raw.outDir, name: raw.name, bitfield, clean: raw.clean, complete: raw.complete, files: raw.files, targets: raw.targets, updatedAt: raw.updatedAt }
  }

  async saveState (s: Omit<DownloadState, 'updatedAt'>, pieces: number): Promise<void> {
    await this.state.save({
      cid: s.cid,
      outDir: s.outDir,
      name: s.name,
      pieces,
      bitfield: s.bitfield == null ? null : Buffer.from(s.bitfield.bytes).toString('base64'),
      clean: s.clean,
      complete: s.complete,
      files: s.files,
      targets: s.targets,
      updatedAt: Date.now()
    })
  }

  async loadPeers (): Promise<KnownPeer[]> {
    return await this.peers.load()
  }

  /** Keeps the most recently seen peers. */
  async savePeers (peers: Iterable<KnownPeer>): Promise<void> {
    const rows = [...peers].sort((a, b) => b.lastSeen - a.lastSeen).slice(0, MAX_KNOWN_PEERS)
    await this.peers.save(rows)
  }
}
