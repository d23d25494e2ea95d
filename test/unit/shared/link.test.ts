import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidCidError, InvalidLinkError } from '../../../shared/errors.js'
import { formatLink, parseCid, parseLink } from '../../../shared/link.js'

const CID = 'bafyreiavau7zsxo6akkm27776ksy427p6jwhxuu36fk3u2hynhfrm3uq2y'
const PEER = '12D3KooWG6yVuLfh2p3zBxkupsyVnrZE4e71WW3jDz4fwE5KSuEB'
const PEER2 = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'

describe('share links', () => {
  it('parses a full link with a name, a peer and an address without /p2p', () => {
    const link = parseLink(`swarmdrop://${CID}?name=My%20File.txt&peer=${PEER}&addr=%2Fip4%2F127.0.0.1%2Ftcp%2F4001`)
    expect(link).toEqual({ cid: CID, name: 'My File.txt', peers: [{ peerId: PEER, addrs: [`/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`] }] })
  })

  it('accepts a bare CID, with surrounding whitespace', () => {
    expect(parseLink(`  ${CID}\n`)).toEqual({ cid: CID, peers: [] })
  })

  it('groups addresses by their /p2p suffix when there are several peers', () => {
    const link = parseLink(`swarmdrop://${CID}?peer=${PEER}&peer=${PEER2}&addr=/ip4/10.0.0.1/tcp/1/p2p/${PEER2}`)
    expect(link.peers).toEqual([{ peerId: PEER, addrs: [] }, { peerId: PEER2, addrs: [`/ip4/10.0.0.1/tcp/1/p2p/${PEER2}`] }])
  })

  it.each([
    ['an empty string', '', InvalidCidError, /empty content ID/],
    ['another scheme', `https://example.com/${CID}`, InvalidLinkError, /not a swarmdrop:\/\/ link/],
    ['a link with no CID', 'swarmdrop://?peer=x', InvalidLinkError, /no content ID/],
    ['a truncated CID', `swarmdrop://${CID.slice(0, 20)}`, InvalidLinkError, /bad content ID/],
    ['a CIDv0', 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG', InvalidCidError, /CIDv1/],
    ['a raw-codec CID', 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', InvalidCidError, /does not name a Swarmdrop manifest/],
    ['a bad peer ID', `swarmdrop://${CID}?peer=notapeer`, InvalidLinkError, /not a peer ID/],
    ['a bad address', `swarmdrop://${CID}?peer=${PEER}&addr=/ip4/999.1.1.1/tcp/1`, InvalidLinkError, /bad address/],
    ['an address with no owner among two peers', `swarmdrop://${CID}?peer=${PEER}&peer=${PEER2}&addr=/ip4/1.2.3.4/tcp/1`, InvalidLinkError, /must end in \/p2p/],
    ['broken percent-encoding', `swarmdrop://${CID}%E0%A4`, InvalidLinkError, /percent-encoding/],
    ['a huge link', `swarmdrop://${CID}?name=${'x'.repeat(9000)}`, InvalidLinkError, /too long/]
  ])('rejects %s with a clear error', (_what, input, type, message) => {
    expect(() => parseLink(input)).toThrow(type)
    expect(() => parseLink(input)).toThrow(message)
  })

  it('formats links that parse back to the same thing', () => {
    const secret = fc.option(fc.stringMatching(/^[A-Za-z0-9_-]{22,86}$/), { nil: undefined })
    fc.assert(fc.property(fc.option(fc.string({ maxLength: 40 }), { nil: undefined }), fc.subarray([`/ip4/127.0.0.1/tcp/4001`, `/ip6/::1/tcp/9`, `/dns4/a.example/tcp/1`]), secret, (name, addrs, s) => {
      const link = { cid: CID, peers: [{ peerId: PEER, addrs: addrs.map(a => `${a}/p2p/${PEER}`) }], ...(name != null && name !== '' ? { name } : {}), ...(s != null ? { secret: s } : {}) }
      expect(parseLink(formatLink(link))).toEqual(link)
    }))
  })

  it('refuses a secret too short to be unguessable, or with characters base64url does not use', () => {
    expect(() => parseLink(`swarmdrop://${CID}?secret=short`)).toThrow(InvalidLinkError)
    expect(() => parseLink(`swarmdrop://${CID}?secret=${'a'.repeat(21)}+`)).toThrow(/malformed secret/)
    expect(parseLink(`swarmdrop://${CID}?secret=${'a'.repeat(22)}`).secret).toBe('a'.repeat(22))
  })

  it('never throws anything but its own errors on arbitrary input', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string().map(s => `swarmdrop://${s}`), fc.string().map(s => `swarmdrop://${CID}?${s}`)), input => {
      try {
        parseLink(input)
      } catch (err) {
        expect(err instanceof InvalidLinkError || err instanceof InvalidCidError).toBe(true)
      }
    }), { numRuns: 2000 })
  })

  it('normalises a CID to base32', () => {
    expect(parseCid(CID).toString()).toBe(CID)
  })
})
