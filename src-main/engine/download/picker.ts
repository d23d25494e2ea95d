import type { Bitfield } from '../../../shared/bitfield.js'

/**
 * Piece choice, pure: which piece should we ask this peer for next?
 *
 * Rarest first (pieces few peers have are fetched while those peers are
 * still here), random among equals (so leechers do not all chase the same
 * piece), and in endgame a piece already in flight elsewhere may be asked
 * for again, fewest duplicates first, so one slow peer cannot hold up the end.
 */
export class PiecePicker {
  /** How many connected peers have each piece. */
  readonly availability: Uint16Array
  /** How many requests for each piece are in flight, across peers. */
  readonly inFlight: Uint8Array
  /** Every piece below this is verified; scans start here. */
  private lowestMissing = 0

  constructor (readonly have: Bitfield, private readonly random: () => number = Math.random) {
    this.availability = new Uint16Array(have.size)
    this.inFlight = new Uint8Array(have.size)
  }

  addPeer (peerHas: Bitfield): void {
    for (let i = 0; i < peerHas.size; i++) if (peerHas.get(i)) this.availability[i]!++
  }

  removePeer (peerHas: Bitfield): void {
    for (let i = 0; i < peerHas.size; i++) if (peerHas.get(i) && this.availability[i]! > 0) this.availability[i]!--
  }

  peerGained (index: number): void {
    this.availability[index]!++
  }

  /**
   * Next piece for a peer that has `peerHas`, or -1.
   * `skip` says which pieces this peer must not be asked for (already in
   * flight to it, or it sent a bad copy before).
   */
  pick (peerHas: Bitfield, skip: (index: number) => boolean): number {
    while (this.lowestMissing < this.have.size && this.have.get(this.lowestMissing)) this.lowestMissing++
    const from = this.lowestMissing
    const span = this.have.size - from
    if (span <= 0) return -1
    // Start at a random point and wrap: leechers fed by the same seeder then fetch
    // different pieces, which is what gives them something to trade.
    const start = from + Math.floor(this.random() * span)
    let best = -1
    let bestAvail = Infinity
    let ties = 0
    for (let k = 0; k < span; k++) {
      const i = start + k < this.have.size ? start + k : start + k - span
      if (this.inFlight[i] !== 0 || this.have.get(i) || !peerHas.get(i) || skip(i)) continue
      const a = this.availability[i]!
      if (a < bestAvail) {
        best = i
        bestAvail = a
        ties = 1
        // Nothing is rarer than one copy: stop scanning.
        if (a <= 1) break
      } else if (a === bestAvail) {
        // Reservoir sampling keeps a uniform choice among equals in one pass.
        ties++
        if (this.random() * ties < 1) best = i
      }
    }
    return best
  }

  /** Endgame: a missing piece already requested elsewhere, least duplicated first. */
  pickEndgame (peerHas: Bitfield, skip: (index: number) => boolean, maxDuplicates: number): number {
    let best = -1
    let bestDup = Infinity
    for (let i = this.lowestMissing; i < this.have.size; i++) {
      if (this.have.get(i) || !peerHas.get(i) || skip(i)) continue
      const d = this.inFlight[i]!
      if (d >= maxDuplicates) continue
      if (d < bestDup) { best = i; bestDup = d }
    }
    return best
  }

  /** True once every missing piece has at least one request in flight. */
  allRequested (): boolean {
    for (let i = this.lowestMissing; i < this.have.size; i++) {
      if (!this.have.get(i) && this.inFlight[i] === 0) return false
    }
    return true
  }

  requested (index: number): void {
    this.inFlight[index]!++
  }

  released (index: number): void {
    if (this.inFlight[index]! > 0) this.inFlight[index]!--
  }
}
