import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { dialOrder, isCircuit, isPunched, parseAddrs, peerIdOf, rankForSharing, scopeOf } from '../../../../src-main/engine/base/addresses.js'

const RELAY = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
const PEER = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()

describe('addresses', () => {
  it('names the peer a relayed address reaches, not the relay', () => {
    expect(peerIdOf(multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`))).toBe(PEER)
    expect(peerIdOf(multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${PEER}`))).toBe(PEER)
    expect(peerIdOf(multiaddr('/ip4/127.0.0.1/tcp/1'))).toBeUndefined()
  })

  it('keeps the addresses that parse and drops the rest', () => {
    expect(parseAddrs(['/ip4/127.0.0.1/tcp/1', 'not an address', '/ip4/10.0.0.1/tcp/2']).map(a => a.toString())).toEqual(['/ip4/127.0.0.1/tcp/1', '/ip4/10.0.0.1/tcp/2'])
    expect(parseAddrs([])).toEqual([])
  })

  it('tells a circuit address from a direct one', () => {
    expect(isCircuit(`/ip4/127.0.0.1/tcp/1/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`)).toBe(true)
    expect(isCircuit(multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${PEER}`))).toBe(false)
  })

  it('hands out public addresses first, then the relay, then LAN, then loopback, keeping each group in order', () => {
    const relayed = `/ip4/203.0.114.1/tcp/1/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`
    const loop = `/ip4/127.0.0.1/tcp/2/p2p/${PEER}`
    const lan = `/ip4/192.168.1.5/tcp/2/p2p/${PEER}`
    const lan2 = `/ip4/10.0.0.1/tcp/2/p2p/${PEER}`
    const pub = `/ip4/11.2.3.4/tcp/2/p2p/${PEER}`
    expect(rankForSharing([loop, lan, relayed, lan2, pub])).toEqual([pub, relayed, lan, lan2, loop])
    expect(rankForSharing([])).toEqual([])
  })

  it('tells the scope of an address', () => {
    expect(scopeOf('/ip4/127.0.0.1/tcp/1')).toBe('loopback')
    expect(scopeOf('/ip4/192.168.0.2/tcp/1')).toBe('lan')
    expect(scopeOf('/ip4/100.64.0.2/tcp/1')).toBe('lan')
    expect(scopeOf('/ip4/11.0.0.2/tcp/1')).toBe('public')
    expect(scopeOf(`/ip4/11.0.0.2/tcp/1/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`)).toBe('relay')
    expect(scopeOf('garbage')).toBe('lan')
  })

  it('tells a hole-punched WebRTC address from WebRTC-direct and TCP', () => {
    expect(isPunched(`/ip4/11.0.0.2/tcp/1/p2p/${RELAY}/p2p-circuit/webrtc/p2p/${PEER}`)).toBe(true)
    expect(isPunched('/ip4/11.0.0.2/udp/1/webrtc')).toBe(true)
    expect(isPunched('/ip4/11.0.0.2/udp/1/webrtc-direct')).toBe(false)
    expect(isPunched('/ip4/11.0.0.2/tcp/1')).toBe(false)
  })
})

describe('the order we dial a peer\'s addresses in', () => {
  it('public first, loopback next (it fails at once when wrong), then the relay, LAN last (a foreign LAN address is a SYN nobody answers)', () => {
    const relayed = `/ip4/11.0.0.1/tcp/1/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`
    const addrs = ['/ip4/192.168.1.5/tcp/2', relayed, '/ip4/127.0.0.1/tcp/2', '/ip4/11.2.3.4/tcp/2'].map(a => ({ multiaddr: multiaddr(a) }))
    expect(addrs.sort(dialOrder).map(a => a.multiaddr.toString())).toEqual(['/ip4/11.2.3.4/tcp/2', '/ip4/127.0.0.1/tcp/2', relayed, '/ip4/192.168.1.5/tcp/2'])
  })
})
