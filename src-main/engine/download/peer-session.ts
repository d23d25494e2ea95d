import type { Bitfield } from '../../../shared/bitfield.js'
import type { TransferPath } from '../../../shared/transfer.js'
import type { ChannelEvents } from '../protocols/pieces/index.js'
import { INITIAL_IN_FLIGHT_BYTES, MIN_DEPTH, PIPELINE_SECONDS } from './constants.js'

/**
 * What a download needs of a peer that serves pieces. The wire's
 * PieceChannel is one; a scripted one lets the races between requests,
 * cancels, chokes and late copies be tested without processes.
 */
export interface PieceSource {
  readonly have: Bitfield
  readonly choked: boolean
  on: <E extends keyof ChannelEvents>(event: E, fn: ChannelEvents[E]) => void
  run: () => void
  request: (index: number) => void
  cancel: (index: number) => void
  /** We now hold this piece: the uploader learns it needs not offer it to us. */
  announce: (index: number) => void
  close: (err?: Error) => void
}

export interface PeerLink {
  peerId: string
  path: TransferPath
  channel: PieceSource
}

/**
 * One peer as a download sees it: what we asked it for and when, copies
 * that may still land after we stopped waiting for them, and how fast it
 * delivers (which sets how deep its request pipeline is).
 */
export class PeerSession {
  /** Piece index -> time requested. */
  readonly inFlight = new Map<number, number>()
  /**
   * Copies of pieces we stopped waiting for that may still land, per index: requests cross
   * cancels and chokes on the wire, and a piece asked for again after an unchoke can then
   * arrive twice. Counted, so the second copy is not taken for one never asked for.
   */
  private readonly late = new Map<number, number>()
  lastDelivery = Date.now()
  /** Bytes per second, smoothed over ticks. */
  rate = 0
  private windowBytes = 0
  hashFails = 0

  constructor (readonly link: PeerLink) {}

  get peerId (): string {
    return this.link.peerId
  }

  get source (): PieceSource {
    return this.link.channel
  }

  requested (index: number, now = Date.now()): void {
    this.inFlight.set(index, now)
  }

  delivered (bytes: number, now = Date.now()): void {
    this.windowBytes += bytes
    this.lastDelivery = now
  }

  /** We stopped waiting for `index` (cancelled elsewhere, or choked): a copy may still arrive. */
  expectLate (index: number): void {
    this.late.set(index, (this.late.get(index) ?? 0) + 1)
  }

  /** Was a late copy of `index` expected? Consumes one expectation. */
  takeLate (index: number): boolean {
    const n = this.late.get(index)
    if (n == null) return false
    if (n <= 1) this.late.delete(index)
    else this.late.set(index, n - 1)
    return true
  }

  /** A choke drops the uploader's queue: returns what was in flight, each now expected late. */
  choked (): number[] {
    const dropped = [...this.inFlight.keys()]
    for (const index of dropped) this.expectLate(index)
    this.inFlight.clear()
    return dropped
  }

  /** Folds the bytes of the last tick into the rate. */
  sample (seconds: number): void {
    const now = this.windowBytes / seconds
    this.rate = this.rate === 0 ? now : 0.7 * this.rate + 0.3 * now
    this.windowBytes = 0
  }

  /** Requests to keep in flight: enough for PIPELINE_SECONDS at its rate, 1 MiB before its rate is known. */
  depth (pieceSize: number, maxDepth: number): number {
    const want = this.rate === 0
      ? Math.ceil(INITIAL_IN_FLIGHT_BYTES / pieceSize) + 1
      : Math.ceil(this.rate * PIPELINE_SECONDS / pieceSize) + 1
    return Math.min(maxDepth, Math.max(MIN_DEPTH, want))
  }
}
