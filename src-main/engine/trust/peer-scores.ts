import type { BanList } from '../persistence/ban-list.js'

/** What a peer can do wrong, and what each costs it. */
export const PENALTY = {
  /** A piece that failed its hash: three and the peer is out (libtorrent bans on hash failures too). */
  'hash-fail': 34,
  /** A frame no honest implementation sends (oversized, unrequested, malformed, a flood): two and out. */
  violation: 50,
  /** A stall with requests pending: could be a bad link, so it takes seven. */
  timeout: 15
} as const

export type Offence = keyof typeof PENALTY

/** Points at which a peer is banned. */
export const BAN_THRESHOLD = 100
/** Points forgiven per minute of good behaviour, so an honest peer's bad hour does not add up over a week. */
export const FORGIVE_PER_MINUTE = 2
/** How long a ban lasts: long enough that a hostile peer gives up, short enough that a fixed one comes back. */
export const SCORE_BAN_MS = 24 * 60 * 60 * 1000
/** Peers with points remembered at once; the least-penalised are forgotten first past this. */
const MAX_TRACKED = 10_000

export interface PeerPenalty {
  peerId: string
  points: number
  last: string
}

/**
 * Keeps each peer's misbehaviour points. Crossing the threshold bans the peer
 * (persisted by the ban list, so a restart does not forgive it) and asks the
 * node to drop its connections, since the gater only sees new ones.
 */
export class PeerScores {
  private readonly points = new Map<string, { points: number, at: number, last: string }>()

  constructor (
    private readonly bans: BanList,
    private readonly disconnect: (peerId: string) => Promise<void>,
    private readonly onBan: (peerId: string, reason: string) => void = () => {},
    private readonly now: () => number = Date.now
  ) {}

  /** Charges `peerId` for an offence; true when this banned it. */
  async penalize (peerId: string, offence: Offence, reason: string): Promise<boolean> {
    if (this.bans.isBanned(peerId)) return false
    const now = this.now()
    const prev = this.points.get(peerId)
    // Forgiveness comes in whole minutes, so two offences a moment apart add up exactly.
    const minutes = prev == null ? 0 : Math.floor((now - prev.at) / 60_000)
    const kept = prev == null ? 0 : Math.max(0, prev.points - FORGIVE_PER_MINUTE * minutes)
    const points = kept + PENALTY[offence]
    if (points < BAN_THRESHOLD) {
      if (prev == null && this.points.size >= MAX_TRACKED) this.trim()
      this.points.set(peerId, { points, at: prev == null ? now : prev.at + minutes * 60_000, last: reason })
      return false
    }
    this.points.delete(peerId)
    await this.bans.ban(peerId, reason, SCORE_BAN_MS)
    this.onBan(peerId, reason)
    await this.disconnect(peerId).catch(() => {})
    return true
  }

  /** Peers with points against them, worst first. */
  list (): PeerPenalty[] {
    const now = this.now()
    return [...this.points]
      .map(([peerId, p]) => ({ peerId, points: Math.max(0, p.points - FORGIVE_PER_MINUTE * Math.floor((now - p.at) / 60_000)), last: p.last }))
      .filter(p => p.points > 0)
      .sort((a, b) => b.points - a.points)
  }

  private trim (): void {
    const lowest = [...this.points].sort((a, b) => a[1].points - b[1].points).slice(0, Math.ceil(MAX_TRACKED / 10))
    for (const [id] of lowest) this.points.delete(id)
  }
}
