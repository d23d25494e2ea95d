import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Bitfield } from '../../../shared/bitfield.js'

describe('Bitfield', () => {
  it('sets, clears and counts bits, most significant bit first', () => {
    const bf = new Bitfield(10)
    bf.set(0)
    bf.set(9)
    expect(bf.bytes).toEqual(Uint8Array.of(0x80, 0x40))
    expect(bf.count()).toBe(2)
    bf.set(0, false)
    expect(bf.get(0)).toBe(false)
    expect(bf.count()).toBe(1)
    expect([...bf.missing()]).toHaveLength(9)
  })

  it('rejects indices out of range and bytes of the wrong length', () => {
    const bf = new Bitfield(9)
    expect(() => bf.get(9)).toThrow(RangeError)
    expect(() => bf.set(-1)).toThrow(RangeError)
    expect(() => new Bitfield(9, new Uint8Array(1))).toThrow(/needs 2 bytes/)
  })

  it('rejects spare bits set past its size', () => {
    expect(() => new Bitfield(9, Uint8Array.of(0xff, 0x01))).toThrow(/past its size/)
    expect(new Bitfield(9, Uint8Array.of(0xff, 0x80)).isComplete()).toBe(true)
  })

  it('round-trips through its bytes for any set of indices', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 300 }).chain(size => fc.tuple(fc.constant(size), fc.uniqueArray(fc.nat({ max: Math.max(size - 1, 0) }), { maxLength: size }))), ([size, idx]) => {
      const bf = new Bitfield(size)
      for (const i of idx) if (i < size) bf.set(i)
      const copy = new Bitfield(size, bf.bytes)
      expect(copy.count()).toBe(bf.count())
      for (let i = 0; i < size; i++) expect(copy.get(i)).toBe(bf.get(i))
    }))
  })
})
