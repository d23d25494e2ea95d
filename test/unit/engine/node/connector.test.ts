import { generateKeyPair } from '@libp2p/crypto/keys'
import { KEEP_ALIVE } from '@libp2p/interface'
import { enable, disable } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { PeerUnreachableError, UsageError } from '../../../../shared/errors.js'
import { isCircuit } from '../../../../src-main/engine/base/addresses.js'
import { Connector, hubInUse, parseHub, type ConnectorComponents, type ConnectorInit } from '../../../../src-main/engine/node/connector.js'
import type { SwarmNode } from '../../../../src-main/engine/node/create-node.js'
import { addrOf, bareAddrOf, isConnected, TestNodes } from '../../../helpers/engine-nodes.js'

const key = await generateKeyPair('Ed25519')
const nodes = new TestNodes()
const connectors: Connector[] = []

afterEach(async () => {
  for (const c of connectors.splice(0)) c.stop()
  await nodes.stopAll()
})

interface Made { connector: Connector, readonly hubReady: number }

/** A connector as the engine builds one; `hubReady` counts the calls of its plain onHubReady callback. */
async function connectorOn (node: SwarmNode, parts: Partial<ConnectorComponents> = {}, init: Partial<ConnectorInit> = {}): Promise<Made> {
  let hubReady = 0
  const connector = new Connector(
    { node, bans: parts.bans ?? await nodes.banList(), bootstrap: parts.bootstrap ?? [], namedHub: parts.namedHub, onHubReady: async () => { hubReady++ } },
    { mdns: false, publicDht: false, isHub: false, ...init }
  )
  connectors.push(connector)
  return { connector, get hubReady () { return hubReady } }
}

describe('Connector bootstrap', () => {
  it('dials the bootstrap peers at start and tags them to be kept alive', async () => {
    const [me, a, b] = await Promise.all([nodes.start(), nodes.start(), nodes.start()])
    const { connector } = await connectorOn(me, { bootstrap: [addrOf(a).toString(), addrOf(b).toString()] })
    await connector.start()
    expect(isConnected(me, a)).toBe(true)
    expect(isConnected(me, b)).toBe(true)
    expect((await me.peerStore.get(a.peerId)).tags.has(KEEP_ALIVE)).toBe(true)
  })

  it('redials a bootstrap peer that drops the connection', async () => {
    const [me, boot] = await Promise.all([nodes.start(), nodes.start()])
    const { connector } = await connectorOn(me, { bootstrap: [addrOf(boot).toString()] })
    await connector.start()
    const first = me.getConnections(boot.peerId)[0]!
    const dropped = new Promise<void>(resolve => {
      me.addEventListener('peer:disconnect', evt => { if (evt.detail.equals(boot.peerId)) resolve() })
    })
    // The bootstrap peer's side of the connection may still be upgrading when start resolves.
    await expect.poll(() => isConnected(boot, me)).toBe(true)
    await boot.hangUp(me.peerId)
    await dropped
    await expect.poll(() => me.getConnections(boot.peerId).filter(c => c.status === 'open').length, { timeout: 15_000 }).toBeGreaterThan(0)
    expect(me.getConnections(boot.peerId).some(c => c.id === first.id)).toBe(false)
  })

  it('starts anyway when a bootstrap address is unreachable or malformed, and logs the unreachable one', async () => {
    const [me, boot] = await Promise.all([nodes.start(), nodes.start()])
    const dead = await nodes.deadPeer()
    const bootstrap = [dead.addr.toString(), 'not a multiaddr', bareAddrOf(boot), addrOf(boot).toString()]
    const { connector } = await connectorOn(me, { bootstrap })
    const written: string[] = []
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(chunk => { written.push(String(chunk)); return true })
    enable('swarmdrop:engine')
    try {
      await connector.start()
    } finally {
      disable()
      stderr.mockRestore()
    }
    expect(isConnected(me, boot)).toBe(true)
    expect(isConnected(me, dead.peerId)).toBe(false)
    expect(written.join('')).toContain(`bootstrap ${dead.addr.toString()} unreachable`)
    // A bootstrap address with no peer ID is not dialled, so only the dead one is reported.
    expect(written.filter(l => l.includes('unreachable'))).toHaveLength(1)
  })

  it('does not connect to a banned bootstrap peer', async () => {
    const bans = await nodes.banList()
    const [me, banned, good] = await Promise.all([nodes.start({ isBanned: id => bans.isBanned(id) }), nodes.start(), nodes.start()])
    await bans.ban(banned.peerId.toString(), 'test')
    const { connector } = await connectorOn(me, { bans, bootstrap: [addrOf(banned).toString(), addrOf(good).toString()] })
    await connector.start()
    expect(isConnected(me, good)).toBe(true)
    expect(isConnected(me, banned)).toBe(false)
    expect(isConnected(banned, me)).toBe(false)
  })
})

describe('Connector LAN discovery', () => {
  /** What libp2p does when mDNS finds a peer: its addresses go to the peer store, then the event. */
  async function discover (me: SwarmNode, peer: SwarmNode): Promise<void> {
    await me.peerStore.merge(peer.peerId, { multiaddrs: [addrOf(peer)] })
    me.safeDispatchEvent('peer:discovery', { detail: { id: peer.peerId, multiaddrs: [addrOf(peer)] } })
  }

  it('dials a peer found on the LAN, but not a banned one', async () => {
    const bans = await nodes.banList()
    // The gater is told of no ban: what is tested is the connector's own check.
    const [me, banned, good] = await Promise.all([nodes.start(), nodes.start(), nodes.start()])
    await bans.ban(banned.peerId.toString(), 'test')
    const { connector } = await connectorOn(me, { bans }, { mdns: true })
    await connector.start()
    await discover(me, banned)
    await discover(me, good)
    await expect.poll(() => isConnected(me, good), { timeout: 10_000 }).toBe(true)
    expect(isConnected(me, banned)).toBe(false)
    expect(isConnected(banned, me)).toBe(false)
  })

  it('stops dialling found peers once stopped', async () => {
    const [me, other, good] = await Promise.all([nodes.start(), nodes.start(), nodes.start()])
    const { connector } = await connectorOn(me, {}, { mdns: true })
    await connector.start()
    connector.stop()
    await discover(me, other)
    // A peer dialled by hand after it, both sides up, to know the event has been handled.
    await me.dial(addrOf(good))
    await expect.poll(() => isConnected(good, me)).toBe(true)
    expect(isConnected(me, other)).toBe(false)
  })
})

describe('Connector.waitForLan', () => {
  /** MDNS_WAIT_MS in connector.ts: how long a wait for the LAN lasts at most. */
  const MDNS_WAIT_MS = 3_000

  it('ends as soon as the peer waited for connects', async () => {
    const [me, peer] = await Promise.all([nodes.start(), nodes.start()])
    const { connector } = await connectorOn(me, {}, { mdns: true })
    const started = Date.now()
    const waited = connector.waitForLan(undefined, peer.peerId)
    await peer.dial(addrOf(me))
    await waited
    expect(isConnected(me, peer)).toBe(true)
    expect(Date.now() - started).toBeLessThan(MDNS_WAIT_MS)
  })

  it('ends with the signal\'s reason when aborted, and not at all with mDNS off', async () => {
    const me = await nodes.start()
    const reason = new Error('cancelled by the user')
    const withMdns = await connectorOn(me, {}, { mdns: true })
    await expect(withMdns.connector.waitForLan(AbortSignal.abort(reason))).rejects.toBe(reason)
    const controller = new AbortController()
    const waited = withMdns.connector.waitForLan(controller.signal)
    controller.abort(reason)
    await expect(waited).rejects.toBe(reason)
    const withoutMdns = await connectorOn(me, {}, { mdns: false })
    await expect(withoutMdns.connector.waitForLan(AbortSignal.abort(reason))).resolves.toBeUndefined()
  })
})

describe('Connector.findAndDial', () => {
  it('refuses at once when connected to nobody who could look the peer up', async () => {
    const [me, target] = await Promise.all([nodes.start(), nodes.start()])
    const { connector } = await connectorOn(me)
    await connector.start()
    const err = await connector.findAndDial(target.peerId).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PeerUnreachableError)
    expect((err as Error).message).toContain('not connected to anyone')
    expect(isConnected(me, target)).toBe(false)
  })

  it('finds a peer by its ID through a bootstrap peer both know, and connects', async () => {
    const [me, boot, target] = await Promise.all([nodes.start(), nodes.start(), nodes.start()])
    const seen = await connectorOn(target, { bootstrap: [addrOf(boot).toString()] })
    await seen.connector.start()
    const { connector } = await connectorOn(me, { bootstrap: [addrOf(boot).toString()] })
    await connector.start()
    expect(isConnected(me, target)).toBe(false)
    await connector.findAndDial(target.peerId)
    expect(isConnected(me, target)).toBe(true)
  })

  it('does nothing more for a peer already connected', async () => {
    const [me, target] = await Promise.all([nodes.start(), nodes.start()])
    const { connector } = await connectorOn(me)
    await connector.start()
    const c = await me.dial(addrOf(target))
    await connector.findAndDial(target.peerId)
    expect(me.getConnections(target.peerId).map(x => x.id)).toEqual([c.id])
  })
})

describe('the hub in use', () => {
  it('is a hub found among the bootstrap peers: start waits for its relay slot, then says it is ready', async () => {
    const hub = await nodes.start({ hub: true })
    const me = await nodes.start({ findHub: true })
    const made = await connectorOn(me, { bootstrap: [addrOf(hub).toString()] })
    expect(made.connector.hub).toBeUndefined()
    await made.connector.start()
    expect(made.connector.hub?.peerId).toBe(hub.peerId.toString())
    expect(hubInUse(me, undefined)?.peerId).toBe(hub.peerId.toString())
    // Reachable through the hub's relay: the address a printed link carries.
    expect(me.getMultiaddrs().some(isCircuit)).toBe(true)
    await expect.poll(() => made.hubReady, { timeout: 10_000 }).toBe(1)
    // A hub named in the config still wins over the one found.
    const named = parseHub(`/ip4/127.0.0.1/tcp/1/p2p/${peerIdFromPrivateKey(key).toString()}`)
    expect(hubInUse(me, named)).toBe(named)
  })

  it('is the hub named: start dials it and waits for its relay slot', async () => {
    const named = await nodes.start({ hub: true })
    // As the engine makes a node with a hub named: listening through relays, looking for no other hub.
    const me = await nodes.start({ relayListen: true })
    const namedHub = parseHub(addrOf(named).toString())
    const made = await connectorOn(me, { namedHub })
    await made.connector.start()
    expect(isConnected(me, named)).toBe(true)
    expect(made.connector.hub).toBe(namedHub)
    expect(hubInUse(me, namedHub)).toBe(namedHub)
    expect(me.getMultiaddrs().some(a => isCircuit(a) && a.toString().includes(named.peerId.toString()))).toBe(true)
    // Only a hub found after start is announced to through onHubReady; the named one is the engine's to use.
    expect(made.hubReady).toBe(0)
  })

  it('is none when none is named and no peer is a hub', async () => {
    const [me, plain] = await Promise.all([nodes.start({ findHub: true }), nodes.start()])
    const made = await connectorOn(me, { bootstrap: [addrOf(plain).toString()] })
    await made.connector.start()
    expect(isConnected(me, plain)).toBe(true)
    expect(made.connector.hub).toBeUndefined()
    expect(hubInUse(me, undefined)).toBeUndefined()
    expect(made.hubReady).toBe(0)
  })
})

describe('parseHub', () => {
  const id = peerIdFromPrivateKey(key).toString()

  it('takes a multiaddr ending in /p2p/<peer ID>', () => {
    const hub = parseHub(`/ip4/203.0.113.5/tcp/4001/p2p/${id}`)
    expect(hub.peerId).toBe(id)
    expect(hub.addr.equals(multiaddr(`/ip4/203.0.113.5/tcp/4001/p2p/${id}`))).toBe(true)
  })

  it('refuses text that is not a multiaddr, with a UsageError', () => {
    for (const bad of ['hub.example.org:4001', '/ip4/300.1.1.1/tcp/1', '/tcp/abc']) {
      expect(() => parseHub(bad)).toThrow(UsageError)
      expect(() => parseHub(bad)).toThrow(`hub address "${bad}" is not a multiaddr`)
    }
  })

  it('refuses a multiaddr without the hub\'s peer ID, with a UsageError', () => {
    for (const bare of ['/ip4/203.0.113.5/tcp/4001', '/dns4/hub.example.org/tcp/4001', '']) {
      expect(() => parseHub(bare)).toThrow(UsageError)
      expect(() => parseHub(bare)).toThrow('must end in /p2p/<peer ID>')
    }
  })

  it('refuses an address whose last part is not the hub\'s peer ID: a relay path, or a peer ID that is not one', () => {
    expect(() => parseHub(`/ip4/203.0.113.5/tcp/4001/p2p/${id}/p2p-circuit`)).toThrow('must end in /p2p/<peer ID>')
    expect(() => parseHub('/ip4/203.0.113.5/tcp/4001/p2p/not-a-peer-id')).toThrow(UsageError)
    expect(() => parseHub('/ip4/203.0.113.5/tcp/4001/p2p/not-a-peer-id')).toThrow('which is not a peer ID')
  })
})
