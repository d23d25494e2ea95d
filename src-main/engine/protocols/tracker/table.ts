import type { PeerHint } from '../../../../shared/link.js'
import { ANNOUNCE_TTL_MS, LIMITS, MAX_ENTRIES, MAX_PEERS_PER_CID } from './constants.js'

/**
 * Who has which CID, as announced to this tracker: pure, with the clock
 * handed in. Entries expire; the table never grows past its caps.
 */
export class TrackerTable {
  private readonly byCid = new Map<string, Map<string, { addrs: string[], expires: number }>>()
  private entries = 0

  constructor (private readonly now: () => number = Date.now, private readonly ttlMs = ANNOUNCE_TTL_MS) {}

  announce (peerId: string, cids: readonly string[], addrs: readonly string[]): void {
    const expires = this.now() + this.ttlMs
    for (const cid of cids) {
      let holders = this.byCid.get(cid)
      if (holders == null) {
        if (this.entries >= MAX_ENTRIES) this.sweep()
        if (this.entries >= MAX_ENTRIES) return
        holders = new Map()
        this.byCid.set(cid, holders)
      }
      if (!holders.has(peerId)) {
        if (holders.size >= MAX_PEERS_PER_CID || this.entries >= MAX_ENTRIES) continue
        this.entries++
      }
      holders.set(peerId, { addrs: [...addrs], expires })
    }
  }

  /** A peer that leaves on purpose (or is banned) is forgotten at once. */
  forget (peerId: string): void {
    for (const [cid, holders] of this.byCid) {
      if (holders.delete(peerId)) this.entries--
      if (holders.size === 0) this.byCid.delete(cid)
    }
  }

  lookup (cid: string, except?: string): PeerHint[] {
    const holders = this.byCid.get(cid)
    if (holders == null) return []
    const now = this.now()
    const out: PeerHint[] = []
    for (const [peerId, e] of holders) {
      if (e.expires <= now) { holders.delete(peerId); this.entries--; continue }
      if (peerId !== except) out.push({ peerId, addrs: e.addrs })
    }
    if (holders.size === 0) this.byCid.delete(cid)
    // Freshest first, so a lookup prefers peers that renewed most recently.
    return out.sort((a, b) => holders.get(b.peerId)!.expires - holders.get(a.peerId)!.expires).slice(0, LIMITS.maxPeersPerLookup)
  }

  get size (): number {
    return this.entries
  }

  private sweep (): void {
    const now = this.now()
    for (const [cid, holders] of this.byCid) {
      for (const [peerId, e] of holders) if (e.expires <= now) { holders.delete(peerId); this.entries-- }
      if (holders.size === 0) this.byCid.delete(cid)
    }
  }
}
