import * as z from 'zod'
import type { BanInfo } from '../../../shared/api.js'
import type { JsonFile, StateFiles } from './json-file.js'

/** Long enough that a misbehaving peer gives up on us; short enough that a fixed one comes back. */
export const DEFAULT_BAN_MS = 24 * 60 * 60 * 1000

const fileSchema = z.record(z.string(), z.object({ until: z.number(), reason: z.string() }))

export type Ban = BanInfo

/** Peers we refuse to talk to, persisted so a restart does not forgive them. */
export class BanList {
  private readonly file: JsonFile<z.infer<typeof fileSchema>>
  private bans = new Map<string, Omit<BanInfo, 'peerId'>>()

  constructor (state: StateFiles, private readonly now: () => number = Date.now) {
    this.file = state.file('bans.json', fileSchema, () => ({}))
  }

  async load (): Promise<void> {
    this.bans = new Map(Object.entries(await this.file.load()))
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
    await this.file.save(Object.fromEntries(this.bans))
  }
}
