import { KEEP_ALIVE, type Libp2pEvents, type PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { PeerUnreachableError, UsageError } from '../../../shared/errors.js'
import { deadline } from '../base/deadline.js'
import { dialPeer } from './dial.js'
import type { HubRef } from './hub-ref.js'
import { log } from '../base/log.js'
import type { BanList } from '../persistence/ban-list.js'
import { isCircuit, peerIdOf } from '../base/addresses.js'
import { PUBLIC_BOOTSTRAP } from './constants.js'
import type { SwarmNode } from './create-node.js'
import { hasDhtPeers } from './dht-peers.js'

const logger = log('engine')

/** Bootstrap and LAN peers are dialled in the background; this bounds how long start waits. */
const BOOTSTRAP_WAIT_MS = 5_000
/** Discovered LAN peers are dialled only while we have fewer connections than this. */
const MAX_AUTODIAL_CONNECTIONS = 50
/** mDNS answers within a second or two on a LAN; a bare peer ID waits this long for it. */
const MDNS_WAIT_MS = 3_000
/** A peer-ID lookup in the DHT that has not answered by now will not. */
const FIND_PEER_TIMEOUT_MS = 30_000
/** A relay reservation on the hub usually takes well under a second; start does not wait longer than this. */
const RESERVATION_WAIT_MS = 5_000
/**
 * How long start waits for identify to tell what the bootstrap peers speak (is one a hub?):
 * it takes a round trip after the dial; 3 s covers a loaded machine, as in dht-peers.
 */
const IDENTIFY_WAIT_MS = 3_000

export interface ConnectorComponents {
  node: SwarmNode
  bans: BanList
  /** Bootstrap peers kept in the data folder, plus this run's. */
  bootstrap: readonly string[]
  /** The hub named in the config, if any. */
  namedHub?: HubRef
  /** Once reachable through a hub found after start: tell its tracker what we hold. */
  onHubReady: () => Promise<void>
}

export interface ConnectorInit {
  mdns: boolean
  publicDht: boolean
  /** A hub listens on no relay of its own. */
  isHub: boolean
}

/**
 * Gets the node connected: dials the bootstrap peers (and the hub), dials LAN
 * peers as mDNS finds them, waits for the hub's relay reservation, and finds
 * peers by bare ID. Every wait is on a libp2p event, bounded by a timeout.
 */
export class Connector {
  private unsubscribe?: () => void

  constructor (private readonly components: ConnectorComponents, private readonly init: ConnectorInit) {}

  /** The hub we fall back on: the one named, else the first peer found to be one (a bootstrap peer, say). */
  get hub (): HubRef | undefined {
    return hubInUse(this.components.node, this.components.namedHub)
  }

  async start (): Promise<void> {
    const { node, namedHub } = this.components
    node.addEventListener('peer:discovery', this.onDiscovery)
    const finder = node.services.hubFinder
    this.unsubscribe = finder.onFound(() => { void this.useFoundHub() })
    // Found while the parts before us started (a LAN peer, say).
    if (namedHub == null && finder.hub != null) void this.useFoundHub()
    const list = [...this.components.bootstrap, ...(namedHub != null ? [namedHub.addr.toString()] : []), ...(this.init.publicDht ? PUBLIC_BOOTSTRAP : [])]
    const reached = await this.connectBootstrap(list)
    // A bootstrap peer may be a hub: learn what it speaks, so a share is reachable through its relay when its link is printed.
    await finder.settle(reached, IDENTIFY_WAIT_MS)
    // Named, or found among the bootstrap peers: links printed after start carry its relayed address.
    if (this.hub != null && !this.init.isHub) await this.waitForReservation()
  }

  stop (): void {
    this.components.node.removeEventListener('peer:discovery', this.onDiscovery)
    this.unsubscribe?.()
  }

  /** With nobody named and nobody connected, gives mDNS a moment to find the LAN (or `peer` on it). */
  async waitForLan (signal?: AbortSignal, peer?: PeerId): Promise<void> {
    if (!this.init.mdns) return
    const { node } = this.components
    const ready = (): boolean => peer != null ? node.getConnections(peer).length > 0 : node.getConnections().length > 0
    if (!await until(node, ['connection:open'], ready, MDNS_WAIT_MS, signal)) signal?.throwIfAborted()
  }

  /** Finds `id` on the LAN or through the DHT and connects to it. */
  async findAndDial (id: PeerId, signal?: AbortSignal): Promise<void> {
    const { node } = this.components
    // On a LAN, mDNS may find the peer itself (discovered peers are dialled as they appear).
    await this.waitForLan(signal, id)
    if (node.getConnections(id).length > 0) return
    if (!await hasDhtPeers(node)) throw new PeerUnreachableError(`cannot look up peer ${id.toString()}: not connected to anyone (pass --bootstrap, or a multiaddr instead of a bare peer ID)`)
    const { signal: lookup, clear } = deadline(FIND_PEER_TIMEOUT_MS, signal)
    try {
      const info = await node.peerRouting.findPeer(id, { signal: lookup })
      await dialPeer(node, id.toString(), info.multiaddrs, signal)
    } catch (err) {
      if (err instanceof PeerUnreachableError) throw err
      throw new PeerUnreachableError(`could not find peer ${id.toString()} (${(err as Error).message}); is it online, and do you share a bootstrap peer?`, err)
    } finally {
      clear()
    }
  }

  /** A hub found after start: once reachable through its relay, tell its tracker what we hold. */
  private async useFoundHub (): Promise<void> {
    await this.waitForReservation()
    await this.components.onHubReady()
  }

  /**
   * A reservation on the hub's relay shows as a /p2p-circuit address of ours.
   * The relay listener says so at once ('transport:listening'); 'self:peer:update'
   * follows a second later (libp2p debounces it), in case the first was missed.
   */
  private async waitForReservation (): Promise<void> {
    const { node } = this.components
    const reserved = (): boolean => node.getMultiaddrs().some(isCircuit)
    if (!await until(node, ['transport:listening', 'self:peer:update'], reserved, RESERVATION_WAIT_MS)) logger('no relay reservation on the hub yet; reachable directly only')
  }

  /** Dials the bootstrap peers; resolves to those that answered. */
  private async connectBootstrap (list: string[]): Promise<PeerId[]> {
    const { node } = this.components
    const dials = list.map(async (a): Promise<PeerId | undefined> => {
      let ma: Multiaddr
      try { ma = multiaddr(a) } catch { return }
      const id = peerIdOf(ma)
      if (id == null) return
      // Kept alive: the connection manager redials it if it drops.
      await node.peerStore.merge(peerIdFromString(id), { multiaddrs: [ma], tags: { [KEEP_ALIVE]: { value: 1 } } }).catch(() => {})
      return await node.dial(ma, { signal: AbortSignal.timeout(BOOTSTRAP_WAIT_MS) }).then(c => c.remotePeer, (err: unknown) => { logger('bootstrap %s unreachable: %s', a, (err as Error).message); return undefined })
    })
    return (await Promise.all(dials)).filter(p => p != null)
  }

  // LAN peers found by mDNS are dialled so they join our DHT and swarms.
  private readonly onDiscovery = (evt: Libp2pEvents['peer:discovery']): void => {
    const { node, bans } = this.components
    if (node.getConnections().length >= MAX_AUTODIAL_CONNECTIONS) return
    if (bans.isBanned(evt.detail.id.toString())) return
    void node.dial(evt.detail.id).catch(() => {})
  }
}

/**
 * Resolves true as soon as `ready()` holds (checked now and at each of `events`),
 * false after `ms`; an aborted `signal` ends the wait early (false).
 */
async function until (node: SwarmNode, events: Array<keyof Libp2pEvents>, ready: () => boolean, ms: number, signal?: AbortSignal): Promise<boolean> {
  if (ready()) return true
  if (signal?.aborted === true) return false
  return await new Promise<boolean>(resolve => {
    const done = (result: boolean): void => {
      clearTimeout(timer)
      for (const e of events) node.removeEventListener(e, check)
      signal?.removeEventListener('abort', abort)
      resolve(result)
    }
    const check = (): void => { if (ready()) done(true) }
    const abort = (): void => { done(false) }
    const timer = setTimeout(() => { done(ready()) }, ms)
    for (const e of events) node.addEventListener(e, check)
    signal?.addEventListener('abort', abort, { once: true })
  })
}

/** The hub we fall back on: the one named, else the first peer found to be one. */
export function hubInUse (node: SwarmNode, named: HubRef | undefined): HubRef | undefined {
  return named ?? node.services.hubFinder.hub
}

/** A hub address as configured (--hub, Settings): a multiaddr ending in /p2p/<peer ID>. */
export function parseHub (addr: string): HubRef {
  let ma: Multiaddr
  try { ma = multiaddr(addr) } catch { throw new UsageError(`hub address "${addr}" is not a multiaddr`) }
  const last = ma.getComponents().at(-1)
  const id = last?.name === 'p2p' ? peerIdOf(ma) : undefined
  if (id == null) throw new UsageError(`hub address "${addr}" must end in /p2p/<peer ID>`)
  try { peerIdFromString(id) } catch { throw new UsageError(`hub address "${addr}" ends in "${id}", which is not a peer ID`) }
  return { peerId: id, addr: ma }
}
