import type { Bitfield } from '../../../../shared/bitfield.js'
import type { ServedContent } from '../../content/library.js'

/** Pieces read ahead per stream at most, and the bytes they may take. */
const MAX_READ_AHEAD = 16
const READ_AHEAD_BYTES = 4 * 1024 * 1024

/**
 * Pieces being read from disk ahead of the one on the wire: several at once, because a piece
 * of many small files is many opens and reads, and one at a time left the wire idle.
 */
export class ReadAhead {
  private readonly ahead = new Map<number, Promise<Uint8Array>>()

  constructor (private readonly item: ServedContent) {}

  /** The read already started for `index`, if any; it is the caller's from now on. */
  take (index: number): Promise<Uint8Array> | undefined {
    const pending = this.ahead.get(index)
    this.ahead.delete(index)
    return pending
  }

  /** Starts reading the queue's next pieces (those we hold, `now`), up to the caps; forgets any no longer queued. */
  fill (queue: readonly number[], now: Bitfield | null): void {
    // Cancelled, or dropped by a choke: not worth holding.
    for (const k of this.ahead.keys()) if (!queue.includes(k)) this.ahead.delete(k)
    let bytes = 0
    for (const next of queue) {
      if (this.ahead.size >= MAX_READ_AHEAD || bytes >= READ_AHEAD_BYTES) break
      bytes += this.item.pieceLength(next)
      if (this.ahead.has(next) || (now != null && !now.get(next))) continue
      const data = this.item.readPiece(next)
      data.catch(() => {})
      this.ahead.set(next, data)
    }
  }
}
