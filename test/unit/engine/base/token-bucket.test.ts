import { describe, expect, it } from 'vitest'
import { TokenBucket } from '../../../../src-main/engine/base/token-bucket.js'
import { parseRate } from '../../../../shared/rate.js'
import { UsageError } from '../../../../shared/errors.js'

describe('TokenBucket', () => {
  it('paces takes to the rate, letting one take run into debt', () => {
    let now = 0
    const bucket = new TokenBucket(1000, 100, () => now)
    expect(bucket.reserve(500)).toBe(0)
    // 500 bytes of debt at 1000 B/s: half a second before the next.
    expect(bucket.reserve(10)).toBe(500)
    now = 499
    expect(bucket.reserve(10)).toBe(1)
    now = 500
    expect(bucket.reserve(10)).toBe(0)
  })

  it('caps the burst an idle bucket can save up', () => {
    let now = 0
    const bucket = new TokenBucket(1000, 100, () => now)
    now = 60_000
    expect(bucket.reserve(100)).toBe(0)
    expect(bucket.reserve(100)).toBe(0)
    expect(bucket.reserve(1)).toBeGreaterThan(0)
  })

  it('does not limit at rate 0', async () => {
    const bucket = new TokenBucket(0)
    expect(bucket.reserve(1e12)).toBe(0)
    await bucket.take(1e12)
  })

  it('holds a real rate over time with async takes', async () => {
    const bucket = new TokenBucket(200_000, 10_000)
    const t0 = performance.now()
    for (let i = 0; i < 20; i++) await bucket.take(10_000)
    const secs = (performance.now() - t0) / 1000
    // 200 KB at 200 KB/s, less the first take that was free: ~0.95 s.
    expect(secs).toBeGreaterThan(0.85)
    expect(secs).toBeLessThan(1.3)
  })
})

describe('parseRate', () => {
  it.each([
    ['500KB', 500_000],
    ['4MB', 4_000_000],
    ['4MB/s', 4_000_000],
    ['1.5MiB', 1_572_864],
    ['64kib', 65_536],
    ['1000', 1000],
    ['0', 0]
  ])('reads %s as %d bytes per second', (text, bytes) => {
    expect(parseRate(text)).toBe(bytes)
  })

  it.each(['fast', '-1MB', '4 parsecs', '', '1e9'])('rejects %j', text => {
    expect(() => parseRate(text)).toThrow(UsageError)
  })
})
