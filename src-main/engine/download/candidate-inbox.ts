/**
 * Peers offered to a download before it can dial them: while its manifest is
 * fetched or its files are scanned, a peer that asked us for the same content
 * or a link pasted again would otherwise be dropped. They are held (bounded:
 * a flood costs a fixed amount) and handed over in order once the swarm starts.
 */
export class CandidateInbox<C> {
  private readonly held: C[] = []
  private sink?: (c: C) => void
  dropped = 0

  constructor (private readonly max = MAX_HELD) {}

  push (c: C): void {
    if (this.sink != null) this.sink(c)
    else if (this.held.length < this.max) this.held.push(c)
    else this.dropped++
  }

  /** From now on each candidate goes straight to `sink`; those held go first. */
  open (sink: (c: C) => void): void {
    this.sink = sink
    for (const c of this.held.splice(0)) sink(c)
  }
}

/** More than a swarm's worth of peers (MAX_DOWNLOAD_PEERS is far lower): the rest come back through discovery. */
const MAX_HELD = 256
