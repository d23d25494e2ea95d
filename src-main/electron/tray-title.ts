import type { Events } from '../../shared/api.js'

const UNITS = ['B', 'KB', 'MB', 'GB']

function rate (n: number): string {
  let v = n
  let u = 0
  while (v >= 1000 && u < UNITS.length - 1) { v /= 1000; u++ }
  return `${u === 0 ? v : v.toFixed(1)} ${UNITS[u]}/s`
}

/** The tray's tooltip: current speeds each way. */
export function trayTitle (t: Events['throughput']): string {
  return `Swarmdrop — ↓ ${rate(t.down)}  ↑ ${rate(t.up)}`
}
