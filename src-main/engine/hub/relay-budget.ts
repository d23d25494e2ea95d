/**
 * What a hub's relay may carry. libp2p's relay caps each relayed connection
 * (bytes and time); this adds what it lacks: a byte budget per peer and for
 * the whole hub, per hour. Every new relayed connection is charged its
 * worst case (the per-connection byte cap) to both ends and to the total,
 * so the budget holds however the bytes are then used.
 */
export interface RelayLimits {
  /** Bytes one relayed connection may carry (both directions together). */
  connectionBytes: number
  /** How long one relayed connection may stay open. */
  connectionMs: number
  /** Relay slots (reservations) the hub hands out at once. */
  maxReservations: number
  /** Bytes a peer may have relayed per hour, as source or destination. */
  peerBytesPerHour: number
  /** Bytes the hub relays per hour in all. */
  totalBytesPerHour: number
}

export const HOUR_MS = 60 * 60 * 1000

export class RelayBudget {
  private windowStart: number
  private total = 0
  private readonly perPeer = new Map<string, number>()

  constructor (readonly limits: RelayLimits, private readonly now: () => number = Date.now) {
    this.windowStart = now()
  }

  /** Charges a new relayed connection from `src` to `dst`; false means refuse it. */
  allow (src: string, dst: string): boolean {
    this.roll()
    const cost = this.limits.connectionBytes
    if (this.total + cost > this.limits.totalBytesPerHour) return false
    if ((this.perPeer.get(src) ?? 0) + cost > this.limits.peerBytesPerHour) return false
    if ((this.perPeer.get(dst) ?? 0) + cost > this.limits.peerBytesPerHour) return false
    this.total += cost
    this.perPeer.set(src, (this.perPeer.get(src) ?? 0) + cost)
    this.perPeer.set(dst, (this.perPeer.get(dst) ?? 0) + cost)
    return true
  }

  used (peer?: string): number {
    this.roll()
    return peer == null ? this.total : this.perPeer.get(peer) ?? 0
  }

  private roll (): void {
    if (this.now() - this.windowStart < HOUR_MS) return
    this.windowStart = this.now()
    this.total = 0
    this.perPeer.clear()
  }
}
