import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as z from 'zod'
import type { BanInfo } from '../../../shared/api.js'
import { writeFileAtomic } from './atomic-file.js'

/** Long enough that a misbehaving peer gives up on us; short enough that a fixed one comes back. */
export const DEFAULT_BAN_MS = 24 * 60 * 60 * 1000

const fileSchema = z.record(z.string(), z.object({ until: z.number(), reason: z.string() }))

export type Ban = BanInfo

/** Peers we refuse to talk to, persisted so a restart does not forgive them. */
export class BanList {
  private readonly file: string
  private bans = new Map<string, Omit<BanInfo, 'peerId'>>()
  private saving: Promise<void> = Promise.resolve()

  constructor (dataDir: string, private readonly now: () => number = Date.now) {
    this.file = join(dataDir, 'bans.json')
  }

  async load (): Promise<void> {
    try {
      const raw = fileSchema.parse(JSON.parse(await readFile(this.file, 'utf8')))
      this.bans = new Map(Object.entries(raw))
    } catch {
      this.bans = new Map()
    }
  }

  isBanned (peerId: string): boolean {
    const b = this.bans.get(peerId)
    if (b == null) return false
    if (b.until <= this.now()) {
      this.bans.delete(peerId)
      return false
    }
    return true
  }

  list (): Ban[] {
    return [...this.bans].filter(([id]) => this.isBanned(id)).map(([peerId, b]) => ({ peerId, ...b }))
  }

  async ban (peerId: string, reason: string, durationMs = DEFAULT_BAN_MS): Promise<void> {
    this.bans.set(peerId, { until: this.now() + durationMs, reason })
    await this.save()
  }

  async unban (peerId: string): Promise<void> {
    this.bans.delete(peerId)
    await this.save()
  }

  private async save (): Promise<void> {
    const snapshot = JSON.stringify(Object.fromEntries(this.bans))
    this.saving = this.saving.then(async () => { await writeFileAtomic(this.file, snapshot) })
    await this.saving
  }
}
