import type { Connection } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'

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

/** A relayed connection: limited by the relay, or dialled through a circuit address. */
export function isRelayed (c: Connection): boolean {
  return c.limits != null || isCircuit(c.remoteAddr)
}

/** Direct addresses first, relayed ones last: a peer tries the cheap route before the relay. */
export function directFirst (addrs: readonly string[]): string[] {
  return [...addrs.filter(a => !isCircuit(a)), ...addrs.filter(isCircuit)]
}

/** Relayed addresses first: what a tracker hands out must work for peers that cannot reach us directly. */
export function relayedFirst (addrs: readonly string[]): string[] {
  return [...addrs.filter(isCircuit), ...addrs.filter(a => !isCircuit(a))]
}
