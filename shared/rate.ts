import { UsageError } from './errors.js'

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  k: 1e3,
  m: 1e6,
  g: 1e9
}

/**
 * A rate in bytes per second from text like `500KB`, `4MB`, `1.5MiB`, `4MB/s`.
 * Decimal units are powers of 1000, binary ones (KiB, MiB) of 1024. `0`
 * means no limit.
 */
export function parseRate (text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*(?:\/s)?\s*$/i.exec(text)
  const unit = m?.[2]?.toLowerCase()
  if (m == null || unit == null || !(unit in UNITS)) throw new UsageError(`"${text}" is not a rate; use e.g. 500KB, 4MB or 1.5MiB (per second)`)
  const value = Number(m[1]) * UNITS[unit]!
  if (!Number.isFinite(value) || value > 1e12) throw new UsageError(`rate "${text}" is out of range`)
  return Math.round(value)
}

const SHOWN: Array<[string, number]> = [['GB', 1e9], ['MB', 1e6], ['KB', 1e3]]

/**
 * A rate as text that `parseRate` reads back to the same number: `2 MB`,
 * `1.5 MB`, `640 KB`, `0`. The largest unit that shows it exactly in two
 * decimals or fewer, so a limit typed as "1.25MB" is shown as typed.
 */
export function rateText (bytesPerSecond: number): string {
  if (bytesPerSecond === 0) return '0'
  for (const [unit, size] of SHOWN) {
    const v = bytesPerSecond / size
    if (v >= 1 && Math.abs(Math.round(v * 100) - v * 100) < 1e-6) return `${Math.round(v * 100) / 100} ${unit}`
  }
  return `${bytesPerSecond} B`
}

/** A size in bytes with the same units (`2GiB`, `500MB`), for quotas and limits. */
export function parseSize (text: string): number {
  return parseRate(text.replace(/\/s\s*$/i, ''))
}
