import { RELAY_V2_HOP_CODEC } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { hubAddress, speaksHub } from '../../../../src-main/engine/node/hub-finder.js'
import { PROTOCOL as TRACKER } from '../../../../src-main/engine/protocols/tracker/index.js'

const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

describe('telling a hub from other peers', () => {
  it('is a hub only when it relays and keeps our tracker', () => {
    expect(speaksHub([RELAY_V2_HOP_CODEC, TRACKER, '/ipfs/id/1.0.0'])).toBe(true)
    // A public IPFS relay relays but keeps no tracker.
    expect(speaksHub([RELAY_V2_HOP_CODEC, '/ipfs/kad/1.0.0'])).toBe(false)
    expect(speaksHub([TRACKER])).toBe(false)
    expect(speaksHub([])).toBe(false)
  })
})

describe('the address kept for a found hub', () => {
  const listen = [multiaddr('/ip4/10.0.0.7/tcp/4001'), multiaddr('/ip4/127.0.0.1/tcp/4001')]

  it('is the one we dialled, with the hub\'s peer ID on it', () => {
    expect(hubAddress(peer, multiaddr('/ip4/10.0.0.9/tcp/5000'), listen)?.toString()).toBe(`/ip4/10.0.0.9/tcp/5000/p2p/${peer.toString()}`)
    expect(hubAddress(peer, multiaddr(`/ip4/10.0.0.9/tcp/5000/p2p/${peer.toString()}`), listen)?.toString()).toBe(`/ip4/10.0.0.9/tcp/5000/p2p/${peer.toString()}`)
  })

  it('is the first direct one it listens on when it dialled us, or we reached it through a relay', () => {
    expect(hubAddress(peer, undefined, listen)?.toString()).toBe(`/ip4/10.0.0.7/tcp/4001/p2p/${peer.toString()}`)
    const relayed = multiaddr(`/ip4/10.0.0.1/tcp/1/p2p/${other.toString()}/p2p-circuit/p2p/${peer.toString()}`)
    expect(hubAddress(peer, relayed, [relayed, ...listen])?.toString()).toBe(`/ip4/10.0.0.7/tcp/4001/p2p/${peer.toString()}`)
  })

  it('is none when the hub has no direct address, or an address names another peer', () => {
    expect(hubAddress(peer, undefined, [])).toBeUndefined()
    expect(hubAddress(peer, multiaddr(`/ip4/10.0.0.9/tcp/5000/p2p/${other.toString()}`), [])).toBeUndefined()
  })
})
