import type { Connection, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { PeerInfo } from '../../../shared/api.js'
import { isRelayed, routeOf } from '../base/addresses.js'
import type { SwarmNode } from '../node/create-node.js'
import type { SwarmRegistry } from '../swarm/registry.js'

/** A peer's round-trip time is measured at most this often (the peers view asks every second). */
const PING_EVERY_MS = 10_000
const PING_TIMEOUT_MS = 5_000
/** Past this many remembered round-trip times, those of peers gone are dropped. */
const MAX_RTT_ENTRIES = 1000

/** One connection opening or closing, as a hub logs it. */
export interface ConnectionEvent {
  type: 'open' | 'close'
  peerId: string
  addr: string
  direction: 'inbound' | 'outbound'
  relayed: boolean
}

/** The peers view: open connections, one row per peer, with bytes each way and latency. */
export class PeerView {
  private readonly rtt = new Map<string, { ms: number | null, at: number }>()

  constructor (private readonly components: { node: SwarmNode, registry: SwarmRegistry }) {}

  /** Open connections, one row per peer, with latency measured in the background. */
  peers (): PeerInfo[] {
    const byPeer = new Map<string, PeerInfo>()
    for (const c of this.components.node.getConnections()) {
      const id = c.remotePeer.toString()
      const route = routeOf(c)
      const row = byPeer.get(id)
      if (row != null) {
        row.addrs.push(c.remoteAddr.toString())
        // The best route wins: a direct connection is what the bytes use once it exists.
        if (row.route === 'relayed' || route === 'direct') row.route = route
        continue
      }
      const t = this.components.registry.totals(id)
      byPeer.set(id, {
        peerId: id,
        addrs: [c.remoteAddr.toString()],
        direction: c.direction,
        route,
        latencyMs: this.latency(c.remotePeer),
        bytesIn: t.received,
        bytesOut: t.sent,
        since: c.timeline.open
      })
    }
    return [...byPeer.values()]
  }

  /** Connections opening and closing. */
  onConnection (listener: (e: ConnectionEvent) => void): () => void {
    const { node } = this.components
    const open = (evt: CustomEvent<Connection>): void => { listener({ type: 'open', ...describe(evt.detail) }) }
    const close = (evt: CustomEvent<Connection>): void => { listener({ type: 'close', ...describe(evt.detail) }) }
    node.addEventListener('connection:open', open)
    node.addEventListener('connection:close', close)
    return () => {
      node.removeEventListener('connection:open', open)
      node.removeEventListener('connection:close', close)
    }
  }

  private latency (peer: PeerId): number | null {
    const { node } = this.components
    const id = peer.toString()
    const known = this.rtt.get(id)
    if (known == null || Date.now() - known.at > PING_EVERY_MS) {
      this.rtt.set(id, { ms: known?.ms ?? null, at: Date.now() })
      node.services.ping.ping(peer, { signal: AbortSignal.timeout(PING_TIMEOUT_MS) })
        .then(ms => { this.rtt.set(id, { ms, at: Date.now() }) }, () => {})
    }
    if (this.rtt.size > MAX_RTT_ENTRIES) for (const k of this.rtt.keys()) { if (node.getConnections(peerIdFromString(k)).length === 0) this.rtt.delete(k) }
    return known?.ms ?? null
  }
}

function describe (c: Connection): Omit<ConnectionEvent, 'type'> {
  return { peerId: c.remotePeer.toString(), addr: c.remoteAddr.toString(), direction: c.direction, relayed: isRelayed(c) }
}
