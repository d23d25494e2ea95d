import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { directFirst, isCircuit, parseAddrs, peerIdOf, relayedFirst } from '../../../../src-main/engine/node/addresses.js'

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

  it('orders direct addresses before relayed ones, or the other way, keeping each group in order', () => {
    const relayed = `/ip4/127.0.0.1/tcp/1/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`
    const a = `/ip4/127.0.0.1/tcp/2/p2p/${PEER}`
    const b = `/ip4/10.0.0.1/tcp/2/p2p/${PEER}`
    expect(directFirst([relayed, a, b])).toEqual([a, b, relayed])
    expect(relayedFirst([a, relayed, b])).toEqual([relayed, a, b])
  })
})
