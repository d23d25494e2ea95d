import { randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Who may drive the daemon. The API runs commands that read and write the
 * user's disk, so three checks stand in front of it:
 *  - a token, printed once in the URL, that a page on another site cannot know;
 *  - the Origin a browser attaches, which must be the daemon's own page, so a
 *    foreign page cannot use the user's browser to call it;
 *  - the Host header, which must name the address we listen on, so a DNS
 *    rebinding attack (evil.example resolving to 127.0.0.1) is refused.
 * Pure functions: each one is unit-tested with the cases it must refuse.
 */

export function newToken (): string {
  return randomBytes(24).toString('base64url')
}

export function tokenMatches (expected: string, given: string | null | undefined): boolean {
  if (given == null) return false
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** The Host values a request may carry: the bound address and, on loopback, `localhost`. */
export function allowedHosts (host: string, port: number): Set<string> {
  const out = new Set<string>()
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
  out.add(`${h}:${port}`)
  if (isLoopback(host)) for (const alias of ['127.0.0.1', 'localhost', '[::1]']) out.add(`${alias}:${port}`)
  return out
}

export function hostAllowed (allowed: Set<string>, hostHeader: string | undefined): boolean {
  return hostHeader != null && allowed.has(hostHeader.toLowerCase())
}

/**
 * A browser always sends Origin on WebSocket handshakes and cross-site
 * POSTs; non-browser clients (the CLI, tests) send none and are held to the
 * token alone. `null` (sandboxed frames, file://) is refused.
 */
export function originAllowed (allowed: Set<string>, origin: string | undefined): boolean {
  if (origin == null) return true
  let url: URL
  try { url = new URL(origin) } catch { return false }
  return url.protocol === 'http:' && url.pathname === '/' && allowed.has(url.host.toLowerCase())
}

export function isLoopback (host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host)
}
