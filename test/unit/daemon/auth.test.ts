import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { allowedHosts, hostAllowed, newToken, originAllowed, tokenMatches } from '../../../src-main/daemon/auth.js'

describe('daemon API guards', () => {
  const hosts = allowedHosts('127.0.0.1', 4321)

  it('accepts the right token only', () => {
    const t = newToken()
    expect(t.length).toBeGreaterThanOrEqual(32)
    expect(tokenMatches(t, t)).toBe(true)
    expect(tokenMatches(t, null)).toBe(false)
    expect(tokenMatches(t, '')).toBe(false)
    expect(tokenMatches(t, t.slice(0, -1))).toBe(false)
    expect(tokenMatches(t, `${t}x`)).toBe(false)
    fc.assert(fc.property(fc.string(), s => tokenMatches(t, s) === (s === t)))
  })

  it('accepts loopback Host names for the bound port and refuses others (DNS rebinding)', () => {
    expect(hostAllowed(hosts, '127.0.0.1:4321')).toBe(true)
    expect(hostAllowed(hosts, 'localhost:4321')).toBe(true)
    expect(hostAllowed(hosts, '[::1]:4321')).toBe(true)
    expect(hostAllowed(hosts, 'evil.example:4321')).toBe(false)
    expect(hostAllowed(hosts, '127.0.0.1:80')).toBe(false)
    expect(hostAllowed(hosts, '127.0.0.1')).toBe(false)
    expect(hostAllowed(hosts, undefined)).toBe(false)
  })

  it('accepts no Origin (scripts) and our own, refuses every other site', () => {
    expect(originAllowed(hosts, undefined)).toBe(true)
    expect(originAllowed(hosts, 'http://127.0.0.1:4321')).toBe(true)
    expect(originAllowed(hosts, 'http://localhost:4321')).toBe(true)
    for (const o of ['null', 'http://evil.example', 'http://127.0.0.1:4322', 'https://127.0.0.1:4321', 'file://', 'http://127.0.0.1:4321.evil.example', 'garbage']) {
      expect(originAllowed(hosts, o), o).toBe(false)
    }
  })

  it('binds to a LAN address only with that exact Host', () => {
    const lan = allowedHosts('192.168.1.5', 80)
    expect(hostAllowed(lan, '192.168.1.5:80')).toBe(true)
    expect(hostAllowed(lan, 'localhost:80')).toBe(false)
  })
})
