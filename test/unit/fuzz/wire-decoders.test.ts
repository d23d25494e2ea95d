import fc from 'fast-check'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import type { z } from 'zod'
import { clientFrameSchema } from '../../../shared/api.js'
import { Bitfield } from '../../../shared/bitfield.js'
import { SwarmdropError } from '../../../shared/errors.js'
import { feedMessageSchema } from '../../../shared/feed.js'
import { parseCid, parseLink } from '../../../shared/link.js'
import { accessProof, mayAccess } from '../../../src-main/engine/access/share-access.js'
import { decodeManifest } from '../../../src-main/engine/content/manifest-codec.js'
import { responseSchema as catalogAnswer } from '../../../src-main/engine/protocols/catalog/messages.js'
import { responseSchema as pexAnswer } from '../../../src-main/engine/protocols/pex/messages.js'
import { decode, encode, type PieceMessage } from '../../../src-main/engine/protocols/pieces/messages.js'
import { parseJson } from '../../../src-main/engine/protocols/request-response.js'
import { answerSchema as storeAnswer } from '../../../src-main/engine/protocols/store/messages.js'
import { announceAnswer, lookupAnswer, requestSchema as trackerRequest } from '../../../src-main/engine/protocols/tracker/messages.js'
import { answerSchema as dialBackAnswer, requestSchema as dialBackRequest } from '../../../src-main/engine/protocols/dialback/messages.js'
import { parseBindingRequest } from '../../../src-main/engine/hub/stun-server.js'
import { checkManifestPaths } from '../../../src-main/engine/storage/sanitise.js'

/**
 * Every decoder that reads bytes from a remote peer, fed random input for a
 * bounded time (SWARMDROP_FUZZ_MS each, 2 s by default; CI runs the default).
 * The only acceptable failure is a typed SwarmdropError: a TypeError or a
 * RangeError here would be a crash a hostile peer could trigger.
 */
const FUZZ_MS = Number(process.env.SWARMDROP_FUZZ_MS ?? 2000)
const budget = { interruptAfterTimeLimit: FUZZ_MS, numRuns: Number.MAX_SAFE_INTEGER, markInterruptAsFailure: false }

function typedOrOk (fn: () => unknown): void {
  try {
    fn()
  } catch (err) {
    if (!(err instanceof SwarmdropError)) throw new Error(`untyped failure: ${(err as Error)?.name}: ${(err as Error)?.message}`, { cause: err })
  }
}

/** Random bytes, and random bytes behind a plausible first byte (so the deeper branches get reached). */
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 512 }),
  fc.tuple(fc.integer({ min: 0, max: 12 }), fc.uint8Array({ maxLength: 64 })).map(([t, rest]) => Uint8Array.from([t, ...rest]))
)
/** JSON-shaped garbage: what a peer speaking the protocol badly sends. */
const json = fc.oneof(fc.jsonValue().map(v => JSON.stringify(v)), fc.string({ maxLength: 200 }))
const asBytes = (s: string): Uint8Array => new TextEncoder().encode(s)

describe(`fuzzing each wire decoder for ${FUZZ_MS} ms`, () => {
  it('piece-exchange frames', () => {
    fc.assert(fc.property(bytes, b => { typedOrOk(() => decode(b)) }), budget)
  })

  it('piece-exchange frames round-trip', () => {
    const msg: fc.Arbitrary<PieceMessage> = fc.oneof(
      fc.nat({ max: 0xffffffff }).map(index => ({ type: 'request' as const, index })),
      fc.nat({ max: 0xffffffff }).map(index => ({ type: 'have' as const, index })),
      fc.nat({ max: 0xffffffff }).map(index => ({ type: 'cancel' as const, index })),
      fc.uint8Array({ minLength: 4, maxLength: 128 }).map(cid => ({ type: 'hello' as const, cid })),
      fc.constantFrom({ type: 'choke' as const }, { type: 'unchoke' as const }, { type: 'have-all' as const })
    )
    fc.assert(fc.property(msg, m => {
      const out = decode(new Uint8ArrayList(encode(m)).subarray())
      expect(out).toEqual(m)
    }), budget)
  })

  it('manifests (CBOR checked against a CID)', async () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), b => {
      const cid = CID.createV1(0x71, { code: 0x12, size: 32, digest: new Uint8Array(32), bytes: Uint8Array.from([0x12, 32, ...new Uint8Array(32)]) })
      typedOrOk(() => decodeManifest(b, cid))
    }), budget)
    // And bytes whose CID matches, so the CBOR and schema checks are reached rather than the hash check.
    const samples = fc.sample(fc.uint8Array({ maxLength: 1024 }), 300)
    for (const b of samples) {
      const cid = CID.createV1(0x71, await sha256.digest(b))
      typedOrOk(() => decodeManifest(b, cid))
    }
  })

  it('JSON answers: catalog, peer exchange, tracker, store; feed messages; API frames', () => {
    const schemas: Array<z.ZodType<unknown>> = [
      catalogAnswer, pexAnswer, storeAnswer, trackerRequest, announceAnswer, lookupAnswer, dialBackRequest, dialBackAnswer, feedMessageSchema, clientFrameSchema
    ]
    fc.assert(fc.property(json, fc.nat({ max: schemas.length - 1 }), (text, i) => {
      typedOrOk(() => parseJson(asBytes(text), schemas[i]!, 'fuzz'))
    }), budget)
  })

  it('STUN packets a hub receives from anyone (answered only when they are binding requests)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 700 }), b => {
      const id = parseBindingRequest(b)
      expect(id == null || id.byteLength === 12).toBe(true)
    }), budget)
  })

  it('links, content IDs and the paths a manifest names', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), fc.array(fc.array(fc.string({ maxLength: 40 }), { maxLength: 6 }), { maxLength: 6 }), (s, paths) => {
      typedOrOk(() => parseLink(s))
      typedOrOk(() => parseLink(`swarmdrop://${s}`))
      typedOrOk(() => parseCid(s))
      typedOrOk(() => { checkManifestPaths(paths) })
    }), budget)
  })

  it('bitfields from peers', () => {
    fc.assert(fc.property(fc.nat({ max: 1 << 20 }), fc.uint8Array({ maxLength: 256 }), (size, b) => {
      try {
        // A bad bitfield throws a plain Error that the channel turns into a violation; it must never be silently accepted.
        const bf = new Bitfield(size, b)
        expect(b.byteLength).toBe(Bitfield.byteLength(size))
        expect(bf.size).toBe(size)
      } catch (err) {
        expect(err).toBeInstanceOf(Error)
      }
    }), budget)
  })

  it('access proofs: only the exact proof for this content, requester and responder opens a private share', () => {
    const secret = 'c2VjcmV0c2VjcmV0c2VjcmV0'
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), fc.string({ maxLength: 60 }), (proof, requester) => {
      expect(mayAccess({ allow: [], secret }, 'cid', requester, 'me', proof)).toBe(false)
      expect(mayAccess({ allow: [], secret }, 'cid', requester, 'me', accessProof(secret, 'cid', requester, 'me'))).toBe(true)
      expect(mayAccess({ allow: [], secret }, 'cid', requester, 'me', accessProof(secret, 'cid', requester, 'someone-else'))).toBe(false)
    }), { ...budget, interruptAfterTimeLimit: Math.min(FUZZ_MS, 1000) })
  })
})
