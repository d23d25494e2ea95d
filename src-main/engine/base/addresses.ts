import type { Connection } from '@libp2p/interface'
import { isLoopback, isPrivate } from '@libp2p/utils'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { AddressScope, PeerRoute } from '../../../shared/connectivity.js'

/**
 * The peer an address reaches: its last /p2p component. A relayed address
 * carries two (the relay's, then the peer's), so the last one is the peer.
 */
export function peerIdOf (addr: Multiaddr): string | undefined {
  return addr.getComponents().findLast(c => c.name === 'p2p')?.value
}

/** The addresses that parse; a peer's one bad address does not spoil its others. */
export function parseAddrs (addrs: readonly string[]): Multiaddr[] {
  return addrs.flatMap(a => { try { return [multiaddr(a)] } catch { return [] } })
}

/** Does this address go through a relay (circuit relay v2)? */
export function isCircuit (addr: Multiaddr | string): boolean {
  return addr.toString().includes('/p2p-circuit')
}

/**
 * A relayed connection: limited by the relay, or dialled through a circuit
 * address. A WebRTC connection's address names the relay it was signalled
 * through, but its bytes go straight between the two peers.
 */
export function isRelayed (c: Connection): boolean {
  return c.limits != null || (isCircuit(c.remoteAddr) && !isPunched(c.remoteAddr))
}

/** Hole punching over WebRTC: a direct connection both routers let through, arranged over a relay. */
export function isPunched (addr: Multiaddr | string): boolean {
  return /\/webrtc(\/|$)/.test(addr.toString())
}

/** How a connection's bytes travel: through a relay, direct after hole punching, or straight. */
export function routeOf (c: Connection): PeerRoute {
  if (isRelayed(c)) return 'relayed'
  return isPunched(c.remoteAddr) ? 'punched' : 'direct'
}

/** Who can use an address: anyone (public), this network (lan), this machine (loopback), or anyone through a relay. */
export function scopeOf (addr: Multiaddr | string): AddressScope {
  let ma: Multiaddr
  try { ma = typeof addr === 'string' ? multiaddr(addr) : addr } catch { return 'lan' }
  if (isCircuit(ma)) return 'relay'
  if (isLoopback(ma)) return 'loopback'
  return isPrivate(ma) ? 'lan' : 'public'
}

const SCOPE_RANK: Record<AddressScope, number> = { public: 0, relay: 1, lan: 2, loopback: 3 }

/**
 * The order libp2p dials a peer's addresses in, one at a time with
 * ADDRESS_DIAL_TIMEOUT_MS each: public ones (a peer lists only those its hub
 * confirmed), loopback, then the relay, then LAN addresses. libp2p's own
 * order puts LAN addresses before the relay; a LAN address of a peer on
 * another network is a SYN that nobody answers, so every relayed dial waited
 * seconds for nothing. On the same LAN, mDNS has usually connected already,
 * and the upgrader tries LAN addresses after a relayed connect.
 */
export function dialOrder (a: { multiaddr: Multiaddr }, b: { multiaddr: Multiaddr }): -1 | 0 | 1 {
  return Math.sign(DIAL_RANK[scopeOf(a.multiaddr)] - DIAL_RANK[scopeOf(b.multiaddr)]) as -1 | 0 | 1
}

/** Loopback before the relay: a loopback address that is not the peer's fails at once (refused, or the wrong peer's handshake). */
const DIAL_RANK: Record<AddressScope, number> = { public: 0, loopback: 1, relay: 2, lan: 3 }

/**
 * The order in which we hand out our own addresses (links, tracker, peer
 * exchange): public ones first (only confirmed ones are listed at all), then
 * the hub's relay, which works from anywhere, then LAN and loopback, which work
 * only near us. A dialler gives each address seconds before the next, and the
 * tracker keeps only the first few, so the ones that work for most go first.
 */
export function rankForSharing (addrs: readonly string[]): string[] {
  return addrs.map((a, i) => ({ a, i, r: SCOPE_RANK[scopeOf(a)] })).sort((x, y) => x.r - y.r || x.i - y.i).map(x => x.a)
}

/**
 * The connection to use among several to one peer: open, unlimited (not
 * relayed) before relayed, ours (outbound) before theirs, oldest first. A hub's
 * dial-back arrives as a second, inbound connection that it closes a moment
 * later; a stream opened on it would die with it.
 */
export function bestConnection (conns: readonly Connection[]): Connection | undefined {
  const score = (c: Connection): number => (c.limits == null ? 0 : 2) + (c.direction === 'outbound' ? 0 : 1)
  return conns.filter(c => c.status === 'open').sort((a, b) => score(a) - score(b) || a.timeline.open - b.timeline.open)[0]
}
