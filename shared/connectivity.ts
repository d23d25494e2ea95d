/**
 * How this node can be reached from the internet, and by which route each
 * peer is connected: what the app's Connectivity panel, `swarmdrop doctor`
 * and the peers view show. One source for the engine, the API and the UI.
 */

/** Where one of our addresses came from. */
export type AddressSource =
  /** A port we listen on, on one of this machine's own IPs. */
  | 'listen'
  /** The IP the hub saw us come from, with our listen port (a forwarded port, a 1:1 NAT). */
  | 'observed'
  /** A port the router opened for us (UPnP-IGD or NAT-PMP/PCP). */
  | 'mapped'
  /** A slot on the hub's relay: reachable through it, never directly. */
  | 'relay'

export type AddressScope = 'public' | 'lan' | 'loopback' | 'relay'

export interface OwnAddress {
  /** Full multiaddr, ending in /p2p/<our peer ID>. */
  addr: string
  source: AddressSource
  scope: AddressScope
  /**
   * true: the hub dialled us back on it (or, for LAN and loopback, no check is
   * needed); false: the hub tried and could not reach it; null: not checked yet.
   */
  confirmed: boolean | null
  /** Why the hub could not reach it, in its words. */
  reason?: string
}

export type MappingState =
  /** Switched off in the settings or with --no-upnp. */
  | 'off'
  /** Looking for a router that speaks UPnP-IGD or NAT-PMP/PCP. */
  | 'searching'
  | 'mapped'
  /** No router answered: most likely none offers UPnP, or it is switched off there. */
  | 'no-router'
  /** A router answered and refused the mapping. */
  | 'refused'
  /** Not needed: this machine has a public address of its own. */
  | 'not-needed'

export interface PortMapping {
  state: MappingState
  /** The router's address and port that lead to us, while mapped. */
  external: string | null
  /** The router's own words when it refused, or what went wrong. */
  reason: string | null
  /** When the mapping was last made or renewed (epoch ms). */
  at: number | null
}

/**
 * The one-line answer to "can people reach me?":
 * public — directly, on an address of this machine's own;
 * mapped — directly, through a port the router opened;
 * relayed — only through the hub's relay (hole punching may still go direct);
 * local — no hub and no open port: only peers on this network, and public peers we dial ourselves;
 * checking — the hub has not answered yet.
 */
export type Reachability = 'public' | 'mapped' | 'relayed' | 'local' | 'checking'

export interface HubReach {
  peerId: string
  /** Our address on the hub's relay, once it gave us a slot. */
  reservation: string | null
  /** Our address as the hub saw it, from the last dial-back. */
  observed: string | null
}

export interface HolePunchStats {
  attempts: number
  successes: number
}

export interface Connectivity {
  reachability: Reachability
  addrs: OwnAddress[]
  mapping: PortMapping
  hub: HubReach | null
  holePunch: HolePunchStats
  /** When the hub last dialled us back (epoch ms); null: never. */
  checkedAt: number | null
}

/**
 * How a peer's connection goes: straight to an address it listens on, direct
 * after hole punching (through both routers, arranged over the relay), or
 * through a relay.
 */
export type PeerRoute = 'direct' | 'punched' | 'relayed'

/** The verdict in one sentence, with what to do about it (the CLI's words; the UI has its own, translated). */
export function describeReachability (c: Connectivity): string {
  const at = reachableAt(c)
  switch (c.reachability) {
    case 'public': return `Reachable from the internet at ${at ?? 'a public address'}${c.hub != null ? ' (confirmed by your hub)' : ''}.`
    case 'mapped': return `Reachable from the internet at ${at ?? 'a mapped port'} — port opened on your router by UPnP${c.hub == null ? ' (not confirmed: no hub to check it)' : ''}.`
    case 'relayed': return 'Behind a router; peers reach you through your hub (hole punching tries a direct route to each). To be reachable directly, turn on UPnP on your router or forward your listen port to this machine.'
    case 'checking': return 'Checking with your hub how the internet reaches you…'
    case 'local': return 'No hub and no open port: only peers on your network and public peers can reach you. Add a hub in Settings (--hub), or turn on UPnP on your router.'
  }
}

/** Where people reach us, as host:port: a public address of ours (public) or the router's mapped port (mapped); null otherwise. */
export function reachableAt (c: Connectivity): string | null {
  if (c.reachability === 'public') return hostPort(c.addrs.find(a => a.scope === 'public' && a.confirmed !== false && (a.source === 'listen' || a.source === 'observed'))?.addr)
  if (c.reachability === 'mapped') return hostPort(c.mapping.external ?? c.addrs.find(a => a.source === 'mapped')?.addr)
  return null
}

/** `/ip4/1.2.3.4/tcp/5/p2p/…` as `1.2.3.4:5`. */
export function hostPort (addr: string | null | undefined): string | null {
  const m = addr == null ? null : /^\/ip[46]\/([^/]+)\/(?:tcp|udp)\/(\d+)/.exec(addr)
  return m == null ? null : m[1]!.includes(':') ? `[${m[1]!}]:${m[2]!}` : `${m[1]!}:${m[2]!}`
}
