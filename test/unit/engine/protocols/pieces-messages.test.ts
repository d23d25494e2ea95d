import fc from 'fast-check'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { ProtocolViolationError } from '../../../../shared/errors.js'
import { decode, encode, type PieceMessage } from '../../../../src-main/engine/protocols/pieces/messages.js'

const flat = (x: Uint8Array | Uint8ArrayList): Uint8Array => x instanceof Uint8ArrayList ? x.subarray() : x

const message: fc.Arbitrary<PieceMessage> = fc.oneof(
  fc.uint8Array({ minLength: 4, maxLength: 128 }).map(cid => ({ type: 'hello' as const, cid })),
  fc.integer({ min: 0, max: 2000 }).chain(size => fc.uint8Array({ minLength: Math.ceil(size / 8), maxLength: Math.ceil(size / 8) }).map(bits => {
    const spare = Math.ceil(size / 8) * 8 - size
    if (bits.length > 0 && spare > 0) bits[bits.length - 1]! &= ~((1 << spare) - 1) & 0xff
    return { type: 'bitfield' as const, size, bits }
  })),
  fc.constant({ type: 'have-all' as const }),
  fc.constant({ type: 'choke' as const }),
  fc.constant({ type: 'unchoke' as const }),
  ...(['have', 'request', 'cancel', 'reject'] as const).map(type => fc.nat({ max: 0xffffffff }).map(index => ({ type, index }))),
  fc.tuple(fc.nat({ max: 0xffffffff }), fc.uint8Array({ maxLength: 5000 })).map(([index, data]) => ({ type: 'piece' as const, index, data: new Uint8ArrayList(data) })),
  fc.tuple(fc.nat({ max: 255 }), fc.string({ maxLength: 200 })).map(([reason, message]) => ({ type: 'error' as const, reason, message }))
)

const normalise = (m: PieceMessage): unknown => m.type === 'piece' ? { ...m, data: m.data.subarray() } : m.type === 'hello' ? { ...m, cid: Uint8Array.from(m.cid) } : m.type === 'bitfield' ? { ...m, bits: Uint8Array.from(m.bits) } : m

describe('piece-exchange frames', () => {
  it('round-trip for every message', () => {
    fc.assert(fc.property(message, msg => {
      const back = decode(flat(encode(msg)))
      if (msg.type === 'error') {
        expect(back).toEqual({ ...msg, message: new TextDecoder().decode(new TextEncoder().encode(msg.message)) })
      } else {
        expect(normalise(back)).toEqual(normalise(msg))
      }
    }), { numRuns: 3000 })
  })

  it('reject frames with trailing or missing bytes', () => {
    expect(() => decode(Uint8Array.of(5, 0, 0, 0, 1, 9))).toThrow(ProtocolViolationError)
    expect(() => decode(Uint8Array.of(5, 0, 0))).toThrow(ProtocolViolationError)
    expect(() => decode(Uint8Array.of(3, 1))).toThrow(/have-all with a payload/)
    expect(() => decode(new Uint8Array(0))).toThrow(/empty frame/)
    expect(() => decode(Uint8Array.of(200))).toThrow(/unknown frame type/)
  })

  it('reject a bitfield that claims more pieces than any manifest may have', () => {
    expect(() => decode(Uint8Array.of(2, 0xff, 0xff, 0xff, 0xff))).toThrow(/too large/)
  })

  it('decode arbitrary bytes to a message or a ProtocolViolationError, nothing else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), bytes => {
      try {
        decode(bytes)
      } catch (err) {
        expect(err).toBeInstanceOf(ProtocolViolationError)
      }
    }), { numRuns: 20_000 })
  })
})
