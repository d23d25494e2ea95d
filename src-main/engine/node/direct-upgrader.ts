import type { IdentifyResult, Libp2pEvents, PeerId } from '@libp2p/interface'
import { isPrivate } from '@libp2p/utils'
import type { Multiaddr } from '@multiformats/multiaddr'

/** The multicodec of /p2p/<peer ID>. */
const CODE_P2P = 421
import { log } from '../base/log.js'
import { isCircuit, isRelayed } from '../base/addresses.js'
import type { SwarmNode } from './create-node.js'

const logger = log('upgrader')

/** A direct dial to a public address answers in a round trip and a handshake, or not at all. */
const DIAL_MS = 5_000
/**
 * ICE gathers candidates from STUN, then checks pairs from both sides: a few
 * round trips through two routers (0.2-0.3 s between two NATs here). libp2p's
 * dialler also gives each address ADDRESS_DIAL_TIMEOUT_MS.
 */
const PUNCH_MS = 10_000
/** What a peer that can be hole-punched over WebRTC speaks (@libp2p/webrtc's signalling over the relay). */
export const WEBRTC_SIGNALING = '/webrtc-signaling/0.0.1'
/** The same addresses of the same peer are not tried again sooner: they failed for a reason. */
const RETRY_MS = 60_000
/** Peers remembered for RETRY_MS; past this many the oldest are forgotten. */
const MAX_REMEMBERED = 1_000

/**
 * Moves a relayed connection to a direct one whenever the other side says
 * (in identify, or a later identify push) that it has a public address we can
 * dial: the NATed side dials out to the public one. libp2p's DCUtR does this
 * once, from the side the relayed connection came in on, at the moment it
 * connects, which misses a public address confirmed a moment later (ours are
 * confirmed by the hub's dial-back after start) and the side that dialled
 * through the relay. The relayed connection is left open (libp2p 3 never
 * closes an idle one; the hub's time or byte limit ends it): downloads move
 * their channels over (download/route-upgrade.ts), since open streams do not.
 */
export interface DirectUpgraderInit {
  /** Hole punching over WebRTC, when the node has the transport. */
  webrtc: boolean
  /** A hole punch was tried; `ok` when it ended in a direct connection (reachability counts them). */
  onPunch?: (ok: boolean, ms: number) => void
}

export class DirectUpgrader {
  private readonly tried = new Map<string, { key: string, at: number }>()
  /** The hole punches under way: the only WebRTC dials the connection gater lets through. */
  private readonly punching = new Set<string>()

  /** Whether a WebRTC dial to `addr` is one of ours (create-node's gater asks). */
  mayPunch (addr: Multiaddr): boolean {
    return this.punching.has(addr.toString())
  }

  constructor (private readonly components: { node: SwarmNode }, private readonly init: DirectUpgraderInit) {}

  start (): void {
    this.components.node.addEventListener('peer:identify', this.onIdentify)
  }

  stop (): void {
    this.components.node.removeEventListener('peer:identify', this.onIdentify)
  }

  private readonly onIdentify = (evt: Libp2pEvents['peer:identify']): void => {
    void this.maybeUpgrade(evt.detail)
  }

  private async maybeUpgrade ({ peerId, listenAddrs, protocols }: IdentifyResult): Promise<void> {
    const { node } = this.components
    const conns = node.getConnections(peerId)
    if (conns.length === 0 || conns.some(c => !isRelayed(c))) return
    const targets = publicDirect(listenAddrs, peerId)
    if (targets.length > 0 && await this.attempt(peerId, targets, DIAL_MS)) return
    // The same LAN (relayed before mDNS found it, or mDNS off): the peer's addresses on one of our subnets.
    const near = sameSubnet(listenAddrs, this.components.node.getMultiaddrs(), peerId)
    if (near.length > 0 && await this.attempt(peerId, near, DIAL_MS)) return
    // No public address, or none answered: punch through both routers, signalled over the relay.
    // The side that dialled through the relay starts it, so the two do not punch twice.
    const relayed = conns.find(c => c.direction === 'outbound' && isCircuit(c.remoteAddr))
    if (!this.init.webrtc || relayed == null || !protocols.includes(WEBRTC_SIGNALING)) return
    const punch = relayed.remoteAddr.decapsulateCode(CODE_P2P).encapsulate(`/webrtc/p2p/${peerId.toString()}`)
    const started = Date.now()
    this.punching.add(punch.toString())
    const ok = await this.attempt(peerId, [punch], PUNCH_MS).finally(() => this.punching.delete(punch.toString()))
    if (ok == null) return
    logger('hole punch to %p %s after %d ms', peerId, ok ? 'went direct' : 'failed', Date.now() - started)
    this.init.onPunch?.(ok, Date.now() - started)
  }

  /** Dials `targets` on a new connection; null when the same ones were tried a moment ago. */
  private async attempt (peerId: PeerId, targets: Multiaddr[], ms: number): Promise<boolean | null> {
    const id = peerId.toString()
    const key = targets.map(a => a.toString()).sort().join(' ')
    const last = this.tried.get(`${id} ${key}`)
    if (last != null && Date.now() - last.at < RETRY_MS) return null
    this.remember(`${id} ${key}`, key)
    try {
      const c = await this.components.node.dial(targets, { force: true, signal: AbortSignal.timeout(ms) })
      logger('%p: relayed connection went direct on %a', peerId, c.remoteAddr)
      return true
    } catch (err) {
      logger('%p: no direct route to %s: %s', peerId, key, (err as Error).message)
      return false
    }
  }

  private remember (id: string, key: string): void {
    if (this.tried.size >= MAX_REMEMBERED) this.tried.delete(this.tried.keys().next().value!)
    this.tried.set(id, { key, at: Date.now() })
  }
}

/** A peer's public, direct TCP addresses, each ending in its /p2p/ ID: what a dial from anywhere may reach. */
export function publicDirect (addrs: readonly Multiaddr[], peer: PeerId): Multiaddr[] {
  return addrs
    .filter(a => !isCircuit(a) && a.toString().includes('/tcp/') && !isPrivate(a) && ['ip4', 'ip6'].includes(a.getComponents()[0]?.name ?? ''))
    .map(a => a.getComponents().some(c => c.name === 'p2p') ? a : a.encapsulate(`/p2p/${peer.toString()}`))
}

/**
 * A peer's private IPv4 TCP addresses on a /24 one of ours is on: a LAN we share,
 * or this machine (loopback, when we listen there too). Without loopback, two
 * peers on one machine that met through a relay hole-punched over WebRTC to each
 * other; twenty of them in the soak spent their CPU on it and stalled.
 */
export function sameSubnet (addrs: readonly Multiaddr[], ours: readonly Multiaddr[], peer: PeerId): Multiaddr[] {
  const prefix = (a: Multiaddr): string | undefined => {
    const ip = a.getComponents()[0]
    return ip?.name === 'ip4' && ip.value != null && isPrivate(a) ? ip.value.split('.').slice(0, 3).join('.') : undefined
  }
  const mine = new Set(ours.filter(a => !isCircuit(a)).map(prefix).filter(p => p != null))
  return addrs
    .filter(a => !isCircuit(a) && a.toString().includes('/tcp/') && mine.has(prefix(a) ?? ''))
    .map(a => a.getComponents().some(c => c.name === 'p2p') ? a : a.encapsulate(`/p2p/${peer.toString()}`))
}
