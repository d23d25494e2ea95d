import type { RunPart } from './run-part.js'

/**
 * Calls `report` every `intervalMs` while the download runs (the CLI's
 * progress lines); the final figure is reported by the run once the data is
 * safely on disk, not here.
 */
export class ProgressTicker implements RunPart {
  private timer?: NodeJS.Timeout

  constructor (private readonly report: () => void, private readonly intervalMs: number) {}

  start (): void {
    this.timer = setInterval(this.report, this.intervalMs)
  }

  stop (): void {
    clearInterval(this.timer)
  }
}
