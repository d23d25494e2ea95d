import { describe, expect, it } from 'vitest'
import { noPeersReason } from '../../../../src-main/engine/download/no-peers-reason.js'

describe('the NO_PEERS message', () => {
  it('says what each route answered, and suggests a hub when there is none', () => {
    expect(noPeersReason({ tried: ['link', 'dht', 'lan'], known: 0, found: {}, named: 0 })).toBe(
      'Nobody sharing this could be found. Tried: the DHT (no record), the peers already connected (none has it). ' +
      'Ask the sharer to stay online, or add a hub in Settings / with --hub.')
  })

  it('names the hub routes and suggests pushing to the hub when one is in use', () => {
    expect(noPeersReason({ tried: ['link', 'relay', 'dht', 'tracker'], known: 1, found: { tracker: 0 }, named: 1, hub: true })).toBe(
      'Nobody sharing this could be reached (1 peer known). Tried: the named peer (no answer), the DHT (no record), ' +
      "the hub's tracker (nobody listed), the hub's relay (no answer through it either). " +
      'Ask the sharer to stay online, or to push the share to the hub so it stays downloadable while they are away.')
  })

  it('counts the peers a lookup listed that did not answer', () => {
    const text = noPeersReason({ tried: ['dht', 'tracker', 'hub-store'], known: 5, found: { dht: 3, tracker: 2 }, hub: true })
    expect(text).toContain('the DHT (3 listed, none answered)')
    expect(text).toContain("the hub's tracker (2 listed, none answered)")
    expect(text).toContain("the hub's store (it has a copy, but did not answer)")
    expect(text).toMatch(/^Nobody sharing this could be reached \(5 peers known\)\./)
  })

  it('claims nothing about what a lookup found when it was not told', () => {
    expect(noPeersReason({ tried: ['link', 'dht'], known: 2 })).toContain("Tried: the link's peers (none answered), the DHT.")
  })

  it('says there was nobody to ask, and how to get someone, when nothing could be tried', () => {
    expect(noPeersReason({ tried: [], known: 0, named: 0 })).toBe(
      'Nobody sharing this could be found. There was nobody to ask: no peers were named and this node is connected to no one. ' +
      'Check the network connection, or add a bootstrap peer or a hub in Settings / with --bootstrap or --hub.')
  })

  it('tells the holder of a private link that only its peers can serve it', () => {
    expect(noPeersReason({ tried: ['link'], known: 2, named: 2, privateShare: true, hub: true })).toBe(
      'Nobody sharing this could be reached (2 peers known). Tried: the 2 named peers (none answered). ' +
      'This share is private, so only the peers in its link can serve it: ask the sharer to stay online.')
  })

  it('in client-server mode, asks for peers to be named', () => {
    expect(noPeersReason({ tried: [], known: 0, leechOnly: true })).toMatch(/^Nothing to download from: this mode uses only the peers named/)
    expect(noPeersReason({ tried: ['link'], known: 1, named: 1, leechOnly: true })).toMatch(/Check that the named peers are online\.$/)
  })

  it('lists the routes in the order a download falls back on them, whatever order they were tried in', () => {
    const text = noPeersReason({ tried: ['lan', 'hub-store', 'tracker', 'dht', 'remembered', 'link', 'peer-lookup', 'relay'], known: 1, named: 1, hub: true })
    const order = ['named peer', 'earlier runs', 'the DHT', 'by ID', 'tracker', 'relay', 'store', 'already connected'].map(w => text.indexOf(w))
    expect(order.every(i => i >= 0)).toBe(true)
    expect([...order].sort((a, b) => a - b)).toEqual(order)
  })
})
