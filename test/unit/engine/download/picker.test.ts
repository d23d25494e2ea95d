import { describe, expect, it } from 'vitest'
import { Bitfield } from '../../../../shared/bitfield.js'
import { PiecePicker } from '../../../../src-main/engine/download/picker.js'

const bits = (size: number, set: number[]): Bitfield => {
  const bf = new Bitfield(size)
  for (const i of set) bf.set(i)
  return bf
}
const never = (): boolean => false

describe('PiecePicker', () => {
  it('picks the rarest piece the peer has', () => {
    const picker = new PiecePicker(new Bitfield(4))
    picker.addPeer(bits(4, [0, 1, 2, 3]))
    picker.addPeer(bits(4, [0, 1, 3]))
    picker.addPeer(bits(4, [0, 3]))
    expect(picker.pick(bits(4, [0, 1, 2, 3]), never)).toBe(2)
    expect(picker.pick(bits(4, [0, 1, 3]), never)).toBe(1)
  })

  it('skips pieces we have, pieces in flight and pieces the caller excludes', () => {
    const have = bits(5, [0])
    const picker = new PiecePicker(have, () => 0)
    const peer = Bitfield.full(5)
    picker.addPeer(peer)
    picker.requested(1)
    expect(picker.pick(peer, i => i === 2)).toBe(3)
  })

  it('returns -1 when the peer has nothing we need', () => {
    const picker = new PiecePicker(bits(3, [0, 1]))
    const peer = bits(3, [0, 1])
    picker.addPeer(peer)
    expect(picker.pick(peer, never)).toBe(-1)
  })

  it('starts leechers of one seeder on different pieces', () => {
    const seen = new Set<number>()
    for (let r = 0; r < 20; r++) {
      const picker = new PiecePicker(new Bitfield(100))
      const seeder = Bitfield.full(100)
      picker.addPeer(seeder)
      seen.add(picker.pick(seeder, never))
    }
    expect(seen.size).toBeGreaterThan(10)
  })

  it('spreads choices among equally rare pieces', () => {
    const seen = new Set<number>()
    for (let r = 0; r < 50; r++) {
      const picker = new PiecePicker(new Bitfield(8))
      const peer = Bitfield.full(8)
      picker.addPeer(peer)
      picker.addPeer(peer)
      seen.add(picker.pick(peer, never))
    }
    expect(seen.size).toBeGreaterThan(3)
  })

  it('in endgame duplicates the least-duplicated piece in flight, up to the cap', () => {
    const picker = new PiecePicker(bits(3, [0]))
    const peer = Bitfield.full(3)
    picker.addPeer(peer)
    picker.requested(1)
    picker.requested(2)
    picker.requested(2)
    expect(picker.pick(peer, never)).toBe(-1)
    expect(picker.allRequested()).toBe(true)
    expect(picker.pickEndgame(peer, never, 2)).toBe(1)
    picker.requested(1)
    expect(picker.pickEndgame(peer, never, 2)).toBe(-1)
  })

  it('forgets a departed peer\'s pieces', () => {
    const picker = new PiecePicker(new Bitfield(2))
    const a = bits(2, [0])
    picker.addPeer(a)
    picker.removePeer(a)
    expect([...picker.availability]).toEqual([0, 0])
  })
})
