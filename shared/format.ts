/** How numbers and remote text are shown to a person: the CLI, the UI and the tray print them the same way. */

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB']

/** 1536 -> "1.5 KB" (decimal units, as file managers show them). */
export function formatBytes (n: number): string {
  let v = n
  let u = 0
  while (v >= 1000 && u < UNITS.length - 1) { v /= 1000; u++ }
  return `${u === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${UNITS[u]}`
}

export function formatSpeed (bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`
}

/**
 * The one list of characters that must not reach a screen or a file name as
 * they are: C0 and C1 controls, DEL, and the bidi overrides and isolates that
 * make `exe.txt` display as `txt.exe`. A character class body, for `unprintable()`.
 */
const UNPRINTABLE_CLASS = '\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069'

/** A global regex of the unprintable characters, plus any `extra` class body (e.g. characters a file system forbids). */
export function unprintable (extra = ''): RegExp {
  return new RegExp(`[${UNPRINTABLE_CLASS}${extra}]`, 'g')
}

const UNPRINTABLE = unprintable()

/**
 * Text from other peers (names, refusal messages) reaches terminals and logs:
 * control characters, including the escape sequences that could rewrite the
 * screen or the title bar, and the bidi overrides that disguise an extension,
 * are shown as `?`, never sent raw. `maxLength` cuts what a peer may make us quote.
 */
export function printable (text: string, maxLength = Infinity): string {
  const safe = text.replace(UNPRINTABLE, '?')
  return safe.length > maxLength ? safe.slice(0, maxLength) : safe
}
