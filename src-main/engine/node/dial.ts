import type { Connection, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { PeerUnreachableError, UsageError } from '../../../shared/errors.js'
import type { TransferPath } from '../../../shared/transfer.js'
import { bestConnection, routeOf } from './addresses.js'
import type { SwarmNode } from './create-node.js'

/** The hub a node uses for the client-server fallback: tracker, relay and store. */
export interface HubRef {
  peerId: string
  addr: Multiaddr
}

/**
 * Connects to `peerId`: directly first, then (with a hub) through the hub's
 * relay. libp2p dials the addresses in turn, relayed ones last, each with its
 * own timeout (ADDRESS_DIAL_TIMEOUT_MS), so a silent direct address cannot
 * use up the time the relay needs. DCUtR then tries to upgrade a relayed
 * connection to a direct one.
 */
export async function dialPeer (node: SwarmNode, peerId: string, addrs: Multiaddr[], signal?: AbortSignal, hub?: HubRef): Promise<Connection> {
  let id: PeerId
  try {
    id = peerIdFromString(peerId)
  } catch {
    throw new UsageError(`not a peer ID: ${peerId}`)
  }
  const existing = bestConnection(node.getConnections(id))
  if (existing != null) return existing
  const all = [...addrs]
  if (hub != null && peerId !== hub.peerId) {
    const viaHub = multiaddr(`${hub.addr.toString()}/p2p-circuit/p2p/${peerId}`)
    if (!all.some(a => a.equals(viaHub))) all.push(viaHub)
  }
  if (all.length > 0) await node.peerStore.merge(id, { multiaddrs: all })
  try {
    return await node.dial(id, { signal })
  } catch (err) {
    throw new PeerUnreachableError(`cannot reach peer ${peerId}${hub != null ? ', directly or through the hub' : ''}: ${(err as Error).message}`, err)
  }
}

/** The route a connection's bytes take: from the hub's store, through a relay, hole-punched, or straight. */
export function pathOf (c: Connection, hub?: HubRef): TransferPath {
  if (hub != null && c.remotePeer.toString() === hub.peerId) return 'hub'
  const route = routeOf(c)
  return route === 'relayed' ? 'relay' : route
}
