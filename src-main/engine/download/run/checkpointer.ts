import type { Bitfield } from '../../../../shared/bitfield.js'
import type { RunPart } from './run-part.js'

/** How often a running download syncs its data and saves its bitfield: the most work a crash can cost in re-hashing. */
export const CHECKPOINT_MS = 5_000

export interface CheckpointerInit {
  /** The verified pieces now (a copy is taken before each sync). */
  have: () => Bitfield
  /** Flushes what was written to the disk. */
  sync: () => Promise<void>
  /** Records `bitfield` as durable (not clean: the run is still writing). */
  save: (bitfield: Bitfield) => Promise<void>
  /** The disk did not take what was written: the download must stop. */
  onFailure: (err: Error) => void
}

/**
 * Every few seconds: sync the data, then save the bitfield as it was before
 * the sync. After a crash those pieces are trusted (while the files are the
 * same) and only the rest is re-hashed. One checkpoint at a time; a failed one
 * stops the download, and the state of the last good one is what the next
 * run starts from.
 */
export class Checkpointer implements RunPart {
  private timer?: NodeJS.Timeout
  private running: Promise<void> | null = null

  constructor (private readonly init: CheckpointerInit) {}

  start (): void {
    this.timer = setInterval(() => { this.checkpoint() }, CHECKPOINT_MS)
  }

  /** Stops the timer and waits for a checkpoint being written. */
  async stop (): Promise<void> {
    clearInterval(this.timer)
    await this.running
  }

  private checkpoint (): void {
    if (this.running != null) return
    const snapshot = this.init.have().clone()
    this.running = this.init.sync()
      .then(async () => { await this.init.save(snapshot) })
      .catch((err: unknown) => { this.init.onFailure(err as Error) })
      .finally(() => { this.running = null })
  }
}
