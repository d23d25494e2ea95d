import cliProgress from 'cli-progress'
import { formatBytes, printable } from '../../shared/format.js'

// The CLI's commands print through these; one definition, shared with the UI and the tray.
export { formatBytes, printable }

/**
 * Everything the CLI prints goes through here: one JSON object a line with
 * --json (for scripts and tests), readable text and a progress bar otherwise.
 */
export class Output {
  private bar?: cliProgress.SingleBar
  private lastLine = 0

  constructor (readonly json: boolean) {}

  event (obj: Record<string, unknown>, human?: string): void {
    if (this.json) {
      process.stdout.write(`${JSON.stringify(obj)}\n`)
    } else if (human != null) {
      this.stopBar()
      process.stdout.write(`${human}\n`)
    }
  }

  /** Something the user should know that is not the command's output: an event in JSON mode, a line on stderr otherwise. */
  notice (obj: Record<string, unknown>, human: string): void {
    if (this.json) {
      this.event(obj)
      return
    }
    this.stopBar()
    process.stderr.write(`swarmdrop: ${human}\n`)
  }

  /** A progress update: an event in JSON mode, a bar (or a line a second off a terminal) otherwise. */
  progress (obj: Record<string, unknown>, label: string, bytes: number, total: number, speed?: number): void {
    if (this.json) {
      this.event(obj)
      return
    }
    if (process.stderr.isTTY) {
      if (this.bar == null) {
        this.bar = new cliProgress.SingleBar({
          format: `${label} [{bar}] {percentage}% | {done} / {size} | {rate}`,
          stream: process.stderr,
          hideCursor: true
        }, cliProgress.Presets.shades_classic)
        this.bar.start(Math.max(total, 1), 0, { done: formatBytes(0), size: formatBytes(total), rate: '' })
      }
      this.bar.update(bytes, { done: formatBytes(bytes), size: formatBytes(total), rate: speed == null ? '' : `${formatBytes(speed)}/s` })
      return
    }
    const now = Date.now()
    if (now - this.lastLine < 1000 && bytes < total) return
    this.lastLine = now
    const pct = total === 0 ? 100 : Math.floor(bytes * 100 / total)
    process.stderr.write(`${label} ${pct}% ${formatBytes(bytes)} / ${formatBytes(total)}${speed == null ? '' : ` ${formatBytes(speed)}/s`}\n`)
  }

  stopBar (): void {
    this.bar?.stop()
    this.bar = undefined
  }

  error (message: string): void {
    this.stopBar()
    // Error texts can quote what a peer sent (a name, its refusal message).
    process.stderr.write(`swarmdrop: ${printable(message)}\n`)
  }
}
