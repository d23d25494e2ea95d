import type { Events } from '../../shared/api.js'
import { formatSpeed } from '../../shared/format.js'

/** The tray's tooltip: current speeds each way. */
export function trayTitle (t: Events['throughput']): string {
  return `Swarmdrop — ↓ ${formatSpeed(t.down)}  ↑ ${formatSpeed(t.up)}`
}
