import type { Startable } from '@libp2p/interface'
import type { AddressManager, NodeAddress, TransportManager } from '@libp2p/interface-internal'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'

export interface SelfAddressesComponents {
  addressManager: AddressManager
  transportManager: TransportManager
}

/**
 * How long a confirmation stands before libp2p counts it stale. Reachability
 * checks again well before (RECHECK_MS); this only matters if it cannot.
 */
const CONFIRMED_TTL_MS = 60 * 60 * 1000

/**
 * Our own addresses as libp2p's address manager keeps them, with the two
 * moves reachability needs: confirm an address (libp2p then hands it out in
 * identify, the DHT and our links) and take a confirmation back. libp2p marks
 * public listen and observed addresses confirmed only after AutoNAT's quorum;
 * we confirm them from the hub's dial-back instead.
 */
export class SelfAddresses implements Startable {
  private started = false

  constructor (private readonly components: SelfAddressesComponents) {}

  start (): void { this.started = true }
  stop (): void { this.started = false }
  isStarted (): boolean { return this.started }

  /** Every address we know of, confirmed or not, with where it came from. */
  all (): NodeAddress[] {
    return this.components.addressManager.getAddressesWithMetadata()
  }

  /** The TCP ports we listen on (the ports an observed IP or a mapping leads to). */
  listenPorts (): number[] {
    // The relay listener's address names the hub's port, not ours.
    const ports = this.components.transportManager.getAddrs().filter(a => !a.toString().includes('/p2p-circuit')).flatMap(a => {
      const tcp = a.getComponents().find(c => c.name === 'tcp')
      return tcp?.value != null ? [Number(tcp.value)] : []
    })
    return [...new Set(ports.filter(p => p > 0))]
  }

  /** Hands `addr` out from now on: the hub reached us there (or we have no reason to doubt it). */
  confirm (addr: Multiaddr, type: NodeAddress['type']): void {
    if (type === 'observed') this.components.addressManager.addObservedAddr(addr)
    this.components.addressManager.confirmObservedAddr(addr, { type, ttl: CONFIRMED_TTL_MS })
  }

  /** Stops handing `addr` out: the hub tried and could not reach us there. */
  unconfirm (addr: Multiaddr): void {
    this.components.addressManager.removeObservedAddr(addr)
  }

  /** The router forwards `external` (ip, port) to `internal`: that address is ours too, once confirmed. */
  addMapping (internal: { host: string, port: number }, external: { host: string, port: number }): void {
    this.components.addressManager.addPublicAddressMapping(internal.host, internal.port, external.host, external.port, 'tcp')
  }

  removeMapping (internal: { host: string, port: number }, external: { host: string, port: number }): void {
    this.components.addressManager.removePublicAddressMapping(internal.host, internal.port, external.host, external.port, 'tcp')
  }

  /** An IP:port the hub saw us come from, as a multiaddr on one of our listen ports. */
  static onPort (observed: Multiaddr, port: number): Multiaddr | undefined {
    const ip = observed.getComponents()[0]
    if (ip == null || (ip.name !== 'ip4' && ip.name !== 'ip6')) return undefined
    return multiaddr(`/${ip.name}/${ip.value}/tcp/${port}`)
  }
}

export function selfAddresses (): (components: SelfAddressesComponents) => SelfAddresses {
  return components => new SelfAddresses(components)
}
