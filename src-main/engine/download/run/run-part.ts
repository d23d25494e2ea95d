/**
 * One job of a running download with the one timer it owns (checkpoints,
 * discovery, feed presence, the stall watchdog, progress reports). A run
 * starts its parts together and stops them together, in reverse.
 */
export interface RunPart {
  start: () => void
  /** Stops the timer and waits for work it had started (a checkpoint being written). */
  stop: () => void | Promise<void>
}

export class RunParts {
  private readonly parts: RunPart[]
  private started = 0

  constructor (...parts: Array<RunPart | null>) {
    this.parts = parts.filter(p => p != null)
  }

  start (): void {
    for (const p of this.parts) { p.start(); this.started++ }
  }

  async stop (): Promise<void> {
    for (const p of this.parts.slice(0, this.started).reverse()) await p.stop()
    this.started = 0
  }
}
