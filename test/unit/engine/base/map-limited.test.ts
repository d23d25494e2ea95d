import { describe, expect, it } from 'vitest'
import { mapLimited } from '../../../../src-main/engine/base/map-limited.js'

describe('mapLimited', () => {
  it('keeps the items\' order whatever order they finish in, and never runs more than the limit at once', async () => {
    let running = 0
    let most = 0
    const out = await mapLimited([30, 5, 20, 1, 10, 2], 3, async (ms, i) => {
      running++
      most = Math.max(most, running)
      await new Promise(resolve => setTimeout(resolve, ms))
      running--
      return `${i}:${ms}`
    })
    expect(out).toEqual(['0:30', '1:5', '2:20', '3:1', '4:10', '5:2'])
    expect(most).toBe(3)
  })

  it('passes a failure on', async () => {
    await expect(mapLimited([1, 2], 2, async n => { if (n === 2) throw new Error('no'); return n })).rejects.toThrow('no')
    expect(await mapLimited([], 4, async () => 1)).toEqual([])
  })
})
