import { Bitfield } from '../../../shared/bitfield.js'
import type { UploadSlot } from '../protocols/pieces/index.js'

/**
 * Pieces each downloader is shown beyond what it has asked for. Every request
 * shows one more, so a downloader's pipeline can grow as deep as it likes; a
 * few is enough to keep it from waiting on a round trip.
 */
export const REVEAL_AHEAD = 4
/**
 * A piece shown to a downloader that has not asked for it in this long may be
 * shown to another too: a slow or stuck leecher must not hold a piece back from the swarm.
 */
export const OFFER_STALE_MS = 10_000

interface View {
  readonly slot: UploadSlot
  /** Every piece it was shown. */
  readonly shown: Bitfield
  /** Shown to it and not yet asked for: these count as handed out. */
  readonly pending: Set<number>
  choked: boolean
}

/**
 * Initial seeding, in the spirit of BEP 16, for one piece of content we hold
 * whole: until every piece has gone out once, each downloader is shown only
 * a few pieces, those sent least so far and handed to nobody else, one more
 * for each it asks for. Leechers then hold different pieces and trade them,
 * so the seeder's uplink carries about one copy of the content where plain
 * rarest-first would send popular pieces to many leechers. Once every piece
 * has gone out, everything is shown to everyone. Pure bookkeeping: the
 * uploader sends what `slot.announce` is told.
 */
export class InitialSeeding {
  /** Times each piece went out. */
  private readonly served: Uint16Array
  /** Downloaders each piece is shown to and not yet taken by. */
  private readonly offered: Uint16Array
  /** When each piece was last shown to someone. */
  private readonly offeredAt: Float64Array
  /** Connected downloaders that told us they hold each piece. */
  private readonly held: Uint16Array
  /** The pieces not sent yet, in no order, and where each sits in that list (-1 once sent). */
  private readonly pool: Uint32Array
  private readonly poolAt: Int32Array
  private unserved: number
  private readonly views = new Map<UploadSlot, View>()

  constructor (
    readonly pieceCount: number,
    private readonly ahead = REVEAL_AHEAD,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now
  ) {
    this.served = new Uint16Array(pieceCount)
    this.offered = new Uint16Array(pieceCount)
    this.offeredAt = new Float64Array(pieceCount)
    this.held = new Uint16Array(pieceCount)
    this.pool = Uint32Array.from({ length: pieceCount }, (_, i) => i)
    this.poolAt = Int32Array.from({ length: pieceCount }, (_, i) => i)
    this.unserved = pieceCount
  }

  /** True once every piece has gone out at least once: from then on everyone sees everything. */
  get finished (): boolean {
    return this.unserved === 0
  }

  /** A new downloader: what to show it first (nothing while it is choked), or null for everything. */
  open (slot: UploadSlot, choked: boolean): Bitfield | null {
    if (this.finished) return null
    const view: View = { slot, shown: new Bitfield(this.pieceCount), pending: new Set(), choked }
    this.views.set(slot, view)
    if (!choked) this.pick(view, this.ahead)
    // A copy: the uploader keeps its own record of what went out on the wire.
    return view.shown.clone()
  }

  close (slot: UploadSlot): void {
    const view = this.views.get(slot)
    if (view == null) return
    this.release(view)
    this.views.delete(slot)
    const { theirs } = slot
    for (let i = 0; i < theirs.size; i++) if (theirs.get(i) && this.held[i]! > 0) this.held[i]!--
  }

  /** A choked downloader cannot ask, so what it was shown goes back to the pool; unchoked, it is shown more. */
  setChoked (slot: UploadSlot, choked: boolean): void {
    const view = this.views.get(slot)
    if (view == null || view.choked === choked) return
    view.choked = choked
    if (choked) this.release(view)
    else this.topUp(view)
  }

  requested (slot: UploadSlot, index: number): void {
    const view = this.views.get(slot)
    if (view == null) return
    this.take(view, index)
    this.topUp(view)
  }

  /** It got these elsewhere (from another leecher): what it was shown of them is free again. */
  theyHave (slot: UploadSlot, indices: number[]): void {
    const view = this.views.get(slot)
    if (view == null) return
    for (const i of indices) {
      this.held[i]!++
      this.take(view, i)
    }
    this.topUp(view)
  }

  /** Piece `index` went out to someone. */
  sent (index: number): void {
    if (this.served[index]!++ !== 0) return
    // Out of the pool: the last entry takes its place.
    const at = this.poolAt[index]!
    const last = this.pool[--this.unserved]!
    this.pool[at] = last
    this.poolAt[last] = at
    this.poolAt[index] = -1
    if (this.unserved > 0) return
    // Every piece is out there now: the leechers hold a copy between them, and everyone may see it all.
    for (const view of this.views.values()) for (let i = 0; i < this.pieceCount; i++) if (!view.shown.get(i)) view.slot.announce(i)
    this.views.clear()
  }

  /** How many downloaders piece `index` is shown to and not taken by (what the tests check). */
  offeredCount (index: number): number {
    return this.offered[index]!
  }

  private take (view: View, index: number): void {
    if (view.pending.delete(index)) this.offered[index]!--
  }

  private release (view: View): void {
    for (const i of view.pending) this.offered[i]!--
    view.pending.clear()
  }

  private topUp (view: View): void {
    if (view.choked || this.finished) return
    const want = this.ahead - view.pending.size
    if (want <= 0) return
    for (const i of this.pick(view, want)) view.slot.announce(i)
  }

  /**
   * Up to `n` pieces for this downloader: ones it lacks, that have not gone
   * out yet and are shown to nobody else (or to someone who let them sit),
   * from a random start so two seeders of the same content hand out
   * different pieces. None when there are none such: the leechers trade the
   * rest among themselves, and nothing goes out twice before everything has gone once.
   */
  private pick (view: View, n: number): number[] {
    const out: number[] = []
    const { theirs } = view.slot
    const stale = this.now() - OFFER_STALE_MS
    // Only the pieces not sent yet are looked at, so a reveal late in a huge share costs little.
    const span = this.unserved
    const start = Math.floor(this.random() * span)
    for (let j = 0; j < span && out.length < n; j++) {
      const i = this.pool[start + j < span ? start + j : start + j - span]!
      if (view.shown.get(i) || theirs.get(i)) continue
      if (this.offered[i] !== 0 && this.offeredAt[i]! > stale) continue
      this.show(view, i)
      out.push(i)
    }
    if (out.length === 0 && view.pending.size === 0) this.pickLost(view, n, stale, out)
    return out
  }

  /** Shows `index` to this downloader and counts it as handed out to it. */
  private show (view: View, index: number): void {
    view.shown.set(index)
    view.pending.add(index)
    this.offered[index]!++
    this.offeredAt[index] = this.now()
  }

  /**
   * Pieces that went out but that no connected downloader holds now: the one
   * we sent them to left, or lost them unverified (killed mid-write). Shown
   * again only to a downloader with nothing else to ask of us, or initial
   * seeding would never finish and that downloader would wait for ever.
   */
  private pickLost (view: View, n: number, stale: number, out: number[]): void {
    const { theirs } = view.slot
    const start = Math.floor(this.random() * this.pieceCount)
    for (let j = 0; j < this.pieceCount && out.length < n; j++) {
      const i = start + j < this.pieceCount ? start + j : start + j - this.pieceCount
      if (this.served[i] === 0 || this.held[i] !== 0 || view.shown.get(i) || theirs.get(i)) continue
      if (this.offered[i] !== 0 && this.offeredAt[i]! > stale) continue
      this.show(view, i)
      out.push(i)
    }
  }
}
