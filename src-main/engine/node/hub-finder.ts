import { RELAY_V2_HOP_CODEC } from '@libp2p/circuit-relay-v2'
import type { ComponentLogger, IdentifyResult, Libp2pEvents, Logger, PeerId, PeerStore, Startable, TypedEventTarget } from '@libp2p/interface'
import type { TransportManager } from '@libp2p/interface-internal'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { HubRef } from './hub-ref.js'
import { PROTOCOL as TRACKER_PROTOCOL } from '../protocols/tracker/index.js'
import { isCircuit, peerIdOf } from '../base/addresses.js'

/**
 * What a hub speaks and an ordinary peer does not: circuit relay (hop) and our
 * tracker. Relay alone is not enough: public IPFS nodes relay too, but keep no
 * tracker. The store is optional on a hub, so it is not required here.
 */
export const HUB_PROTOCOLS: readonly string[] = [RELAY_V2_HOP_CODEC, TRACKER_PROTOCOL]

export function speaksHub (protocols: readonly string[]): boolean {
  return HUB_PROTOCOLS.every(p => protocols.includes(p))
}

/**
 * The address to keep for a hub: the one we dialled it on if we did (known to
 * work), else the first address it listens on that is not itself relayed.
 * Always ends in /p2p/<hub>, as relayed addresses are built on it.
 */
export function hubAddress (peer: PeerId, dialled: Multiaddr | undefined, listenAddrs: readonly Multiaddr[]): Multiaddr | undefined {
  const direct = (a: Multiaddr): boolean => !isCircuit(a)
  const addr = dialled != null && direct(dialled) ? dialled : listenAddrs.find(direct)
  if (addr == null) return undefined
  const id = peerIdOf(addr)
  if (id != null) return id === peer.toString() ? addr : undefined
  return addr.encapsulate(`/p2p/${peer.toString()}`)
}

export interface HubFinderInit {
  /** Off on a hub itself and when a hub was named: then there is none to look for. */
  enabled: boolean
  /** The first hub found, once relay listening has been asked for. */
  onFound?: (hub: HubRef) => void
  /** Also listen for WebRTC hole punching signalled through the hub's relay. */
  webrtc?: boolean
}

export interface HubFinderComponents {
  events: TypedEventTarget<Libp2pEvents>
  peerStore: PeerStore
  transportManager: TransportManager
  logger: ComponentLogger
}

/**
 * Makes a hub of the first peer that turns out to be one, however we met it
 * (named as a bootstrap peer, found on the LAN or in the DHT): identify tells
 * what it speaks. Then we listen on /p2p-circuit, so the relay transport
 * reserves a slot on the relay it is connected to (the hub) and we become
 * reachable through it, as with a hub named up front.
 */
export class HubFinder implements Startable {
  private found?: HubRef
  private started = false
  private readonly foundListeners = new Set<(hub: HubRef) => void>()
  private readonly log: Logger

  constructor (private readonly components: HubFinderComponents, private readonly init: HubFinderInit) {
    this.log = components.logger.forComponent('swarmdrop:hub-finder')
  }

  get hub (): HubRef | undefined {
    return this.found
  }

  /** Tells `listener` about the hub once one is found (parts built after the node listen here). */
  onFound (listener: (hub: HubRef) => void): () => void {
    this.foundListeners.add(listener)
    return () => { this.foundListeners.delete(listener) }
  }

  start (): void {
    if (this.init.enabled) this.components.events.addEventListener('peer:identify', this.onIdentify)
    this.started = true
  }

  stop (): void {
    this.components.events.removeEventListener('peer:identify', this.onIdentify)
    this.started = false
  }

  isStarted (): boolean {
    return this.started
  }

  /**
   * Resolves once each of `peers` has said what it speaks, a hub is found, or
   * `timeoutMs` passes: start uses it to learn whether a bootstrap peer is a hub.
   */
  async settle (peers: readonly PeerId[], timeoutMs: number): Promise<void> {
    if (!this.init.enabled || this.found != null || peers.length === 0) return
    const waiting = new Set(peers.map(p => p.toString()))
    await new Promise<void>(resolve => {
      const done = (): void => {
        clearTimeout(timer)
        this.components.events.removeEventListener('peer:identify', onIdentify)
        resolve()
      }
      const check = (): void => { if (this.found != null || waiting.size === 0) done() }
      // Registered after our own listener, so a hub is already recorded when this runs.
      const onIdentify = (evt: CustomEvent<IdentifyResult>): void => { waiting.delete(evt.detail.peerId.toString()); check() }
      const timer = setTimeout(done, timeoutMs)
      this.components.events.addEventListener('peer:identify', onIdentify)
      // Peers identified before we asked are in the peer store already.
      void Promise.all(peers.map(async p => {
        const known = await this.components.peerStore.get(p).catch(() => null)
        if (known != null && known.protocols.length > 0) waiting.delete(p.toString())
      })).then(check)
    })
  }

  private readonly onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    const { peerId, protocols, listenAddrs, connection } = evt.detail
    if (this.found != null || !speaksHub(protocols)) return
    const addr = hubAddress(peerId, connection.direction === 'outbound' ? connection.remoteAddr : undefined, listenAddrs)
    if (addr == null) return
    this.found = { peerId: peerId.toString(), addr }
    this.log('%p speaks the hub protocols: using it as our hub at %a', peerId, addr)
    this.components.transportManager.listen([multiaddr('/p2p-circuit'), ...(this.init.webrtc === true ? [multiaddr('/webrtc')] : [])]).catch((err: unknown) => {
      this.log.error('cannot listen through the hub relay: %e', err)
    })
    this.init.onFound?.(this.found)
    for (const l of this.foundListeners) l(this.found)
  }
}

export function hubFinder (init: HubFinderInit): (components: HubFinderComponents) => HubFinder {
  return components => new HubFinder(components, init)
}
