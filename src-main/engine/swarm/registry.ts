/** How long a peer we stopped hearing from still counts as a swarm member for peer exchange. */
export const MEMBER_TTL_MS = 10 * 60 * 1000

/**
 * Who we have exchanged pieces with, per content ID: what peer exchange
 * hands out, and the tally tit-for-tat ranks by.
 */
export class SwarmRegistry {
  private readonly members = new Map<string, Map<string, number>>()
  private readonly received = new Map<string, number>()
  private readonly sent = new Map<string, number>()
  /** Bytes each way per peer since start, never reset: the peers view and the throughput chart. */
  private readonly totalIn = new Map<string, number>()
  private readonly totalOut = new Map<string, number>()
  private allIn = 0
  private allOut = 0

  constructor (private readonly now: () => number = Date.now) {}

  touch (cid: string, peerId: string): void {
    let m = this.members.get(cid)
    if (m == null) { m = new Map(); this.members.set(cid, m) }
    m.set(peerId, this.now())
  }

  peers (cid: string, except?: string): string[] {
    const m = this.members.get(cid)
    if (m == null) return []
    const cutoff = this.now() - MEMBER_TTL_MS
    const out: string[] = []
    for (const [id, at] of m) {
      if (at < cutoff) { m.delete(id); continue }
      if (id !== except) out.push(id)
    }
    return out
  }

  countReceived (peerId: string, bytes: number): void {
    this.received.set(peerId, (this.received.get(peerId) ?? 0) + bytes)
    this.totalIn.set(peerId, (this.totalIn.get(peerId) ?? 0) + bytes)
    this.allIn += bytes
  }

  countSent (peerId: string, bytes: number): void {
    this.sent.set(peerId, (this.sent.get(peerId) ?? 0) + bytes)
    this.totalOut.set(peerId, (this.totalOut.get(peerId) ?? 0) + bytes)
    this.allOut += bytes
  }

  /** Piece bytes exchanged with one peer since start. */
  totals (peerId: string): { received: number, sent: number } {
    return { received: this.totalIn.get(peerId) ?? 0, sent: this.totalOut.get(peerId) ?? 0 }
  }

  /** Piece bytes exchanged with everyone since start. */
  allTotals (): { received: number, sent: number } {
    return { received: this.allIn, sent: this.allOut }
  }

  /** Bytes each way since the last call, then starts a new round. */
  takeRound (): { received: Map<string, number>, sent: Map<string, number> } {
    const round = { received: new Map(this.received), sent: new Map(this.sent) }
    this.received.clear()
    this.sent.clear()
    return round
  }
}
