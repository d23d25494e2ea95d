/**
 * Lets other work run now and then during a long run of synchronous calls
 * (small-file hashing, thousands of stats): `maybeYield()` gives the event
 * loop a turn once the run has held it for `sliceMs`.
 */
export class EventLoopSlicer {
  private since = performance.now()

  constructor (private readonly sliceMs = 10) {}

  async maybeYield (): Promise<void> {
    if (performance.now() - this.since <= this.sliceMs) return
    await new Promise(resolve => setImmediate(resolve))
    this.since = performance.now()
  }
}
