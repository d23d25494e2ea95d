import * as z from 'zod'
import { NotAllowedError, QuotaExceededError } from '../../../shared/errors.js'
import type { JsonFile, StateFiles } from '../persistence/json-file.js'

export interface StoreLimits {
  /** Peer IDs that may push; nobody else can. */
  allow: readonly string[]
  /** Bytes one peer may keep on the hub, and all peers together. */
  peerQuotaBytes: number
  totalQuotaBytes: number
}

const FILE = 'hub-store.json'
const schema = z.record(z.string(), z.object({ owner: z.string(), bytes: z.number().nonnegative() }))

/**
 * Who pushed what to a hub's store and how much it weighs: the allow-list
 * and quota checks, kept in `<data>/hub-store.json` so quotas survive restarts.
 */
export class StoreLedger {
  private entries: Record<string, { owner: string, bytes: number }> = {}
  private readonly allow: Set<string>
  private readonly file: JsonFile<z.infer<typeof schema>>

  constructor (state: StateFiles, readonly limits: StoreLimits) {
    this.allow = new Set(limits.allow)
    this.file = state.file(FILE, schema, () => ({}))
  }

  async load (): Promise<void> {
    this.entries = await this.file.load()
  }

  /** Throws unless `peer` may push a share of `bytes`; a CID already stored costs nothing more. */
  check (peer: string, cid: string, bytes: number): void {
    if (!this.allow.has(peer)) throw new NotAllowedError(`peer ${peer} is not on this hub's allow-list`)
    if (this.entries[cid] != null) return
    const mine = this.used(peer)
    if (mine + bytes > this.limits.peerQuotaBytes) throw new QuotaExceededError(`this share (${bytes} bytes) would take peer ${peer} past its quota of ${this.limits.peerQuotaBytes} bytes (${mine} used)`)
    const all = this.used()
    if (all + bytes > this.limits.totalQuotaBytes) throw new QuotaExceededError(`this share (${bytes} bytes) would take the hub's store past its quota of ${this.limits.totalQuotaBytes} bytes (${all} used)`)
  }

  async record (peer: string, cid: string, bytes: number): Promise<void> {
    this.entries[cid] ??= { owner: peer, bytes }
    await this.file.save(this.entries)
  }

  has (cid: string): boolean {
    return this.entries[cid] != null
  }

  cids (): string[] {
    return Object.keys(this.entries)
  }

  used (peer?: string): number {
    return Object.values(this.entries).filter(e => peer == null || e.owner === peer).reduce((n, e) => n + e.bytes, 0)
  }
}
