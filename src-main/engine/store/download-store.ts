import { createHash } from 'node:crypto'
import { mkdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { Bitfield } from '../../../shared/bitfield.js'
import { writeFileAtomic } from './atomic-file.js'

/**
 * A download's record under `<data>/downloads/<key>/`: the manifest (so a
 * resume needs no peer to start) and its state. The bitfield is saved only
 * after the data it describes was synced, so it can always be trusted.
 * `clean` says it is also complete (a graceful stop); after a crash it is
 * false and the pieces it does not list are re-hashed from disk.
 */
export interface DownloadState {
  cid: string
  outDir: string
  name: string
  bitfield: Bitfield | null
  clean: boolean
  complete: boolean
  updatedAt: number
}

const stateSchema = z.object({
  cid: z.string(),
  outDir: z.string(),
  name: z.string(),
  pieces: z.number().int().nonnegative(),
  bitfield: z.string().nullable(),
  clean: z.boolean(),
  complete: z.boolean(),
  updatedAt: z.number()
})

export class DownloadRecord {
  readonly dir: string

  constructor (dataDir: string, readonly cid: string, readonly outDir: string) {
    const key = createHash('sha256').update(`${cid}\0${outDir}`).digest('hex').slice(0, 24)
    this.dir = join(dataDir, 'downloads', key)
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

  /** Returns null when there is no usable state (missing or damaged: both mean "verify the disk"). */
  async loadState (pieces: number): Promise<DownloadState | null> {
    try {
      const raw = stateSchema.parse(JSON.parse(await readFile(join(this.dir, 'state.json'), 'utf8')))
      if (raw.cid !== this.cid || raw.outDir !== this.outDir || raw.pieces !== pieces) return null
      const bitfield = raw.bitfield == null ? null : new Bitfield(pieces, Buffer.from(raw.bitfield, 'base64'))
      return { cid: raw.cid, outDir: raw.outDir, name: raw.name, bitfield, clean: raw.clean, complete: raw.complete, updatedAt: raw.updatedAt }
    } catch {
      return null
    }
  }

  async saveState (s: Omit<DownloadState, 'updatedAt'>, pieces: number): Promise<void> {
    await writeFileAtomic(join(this.dir, 'state.json'), JSON.stringify({
      cid: s.cid,
      outDir: s.outDir,
      name: s.name,
      pieces,
      bitfield: s.bitfield == null ? null : Buffer.from(s.bitfield.bytes).toString('base64'),
      clean: s.clean,
      complete: s.complete,
      updatedAt: Date.now()
    }))
  }
}
