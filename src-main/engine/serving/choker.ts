import type { UploadSlot } from '../protocols/pieces/index.js'

/** Regular upload slots: enough to keep an uplink busy, few enough that each gets real speed. */
export const UPLOAD_SLOTS = 4
/** Re-rank downloaders this often (BitTorrent's 10 s). */
export const RECHOKE_MS = 10_000
/** Rotate the optimistic slot every this many rechokes (30 s), so newcomers get a chance. */
export const OPTIMISTIC_EVERY = 3

/**
 * Upload slots, tit-for-tat: the downloaders that gave us the most in the
 * last round (or, for content we only seed, took the most) keep their
 * slots; one more slot goes to a random choked downloader, so a peer with
 * nothing to give yet can bootstrap. Pure decisions: the caller runs the timer.
 */
export class Choker {
  private readonly open = new Set<UploadSlot>()
  private readonly unchoked = new Set<UploadSlot>()
  private optimistic?: UploadSlot
  private rounds = 0

  constructor (
    /** Higher is better: bytes this peer sent us lately, plus what we sent it. */
    private readonly rank: (slot: UploadSlot) => number,
    private readonly slots = UPLOAD_SLOTS,
    private readonly random: () => number = Math.random,
    /** Told of every choke and unchoke the choker decides (not of a new downloader's start). */
    private readonly onChange?: (slot: UploadSlot, choked: boolean) => void
  ) {}

  /** A new downloader: unchoked at once while slots are free. */
  add (slot: UploadSlot): boolean {
    this.open.add(slot)
    if (this.unchoked.size < this.slots + 1) {
      this.unchoked.add(slot)
      return true
    }
    return false
  }

  remove (slot: UploadSlot): void {
    this.open.delete(slot)
    const had = this.unchoked.delete(slot)
    if (this.optimistic === slot) this.optimistic = undefined
    if (had) {
      // Hand the freed slot on now rather than at the next round.
      const next = this.pickChoked()
      if (next != null) this.set(next, false)
    }
  }

  isUnchoked (slot: UploadSlot): boolean {
    return this.unchoked.has(slot)
  }

  get unchokedCount (): number {
    return this.unchoked.size
  }

  rechoke (): void {
    this.rounds++
    const ranked = [...this.open].sort((a, b) => this.rank(b) - this.rank(a))
    const keep = new Set(ranked.slice(0, this.slots))
    if (this.optimistic == null || !this.open.has(this.optimistic) || keep.has(this.optimistic) || this.rounds % OPTIMISTIC_EVERY === 0) {
      const rest = ranked.filter(s => !keep.has(s))
      this.optimistic = rest.length > 0 ? rest[Math.floor(this.random() * rest.length)] : undefined
    }
    if (this.optimistic != null) keep.add(this.optimistic)
    for (const s of this.open) this.set(s, !keep.has(s))
  }

  private pickChoked (): UploadSlot | undefined {
    const choked = [...this.open].filter(s => !this.unchoked.has(s))
    return choked.length > 0 ? choked[Math.floor(this.random() * choked.length)] : undefined
  }

  private set (slot: UploadSlot, choked: boolean): void {
    if (choked) this.unchoked.delete(slot)
    else this.unchoked.add(slot)
    slot.setChoked(choked)
    this.onChange?.(slot, choked)
  }
}
