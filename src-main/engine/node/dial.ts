import type { Connection, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { PeerUnreachableError, UsageError } from '../../../shared/errors.js'
import type { TransferPath } from '../../../shared/transfer.js'
import { bestConnection, routeOf } from '../base/addresses.js'
import { deadline } from '../base/deadline.js'
import { DIAL_TIMEOUT_MS } from './constants.js'
import type { SwarmNode } from './create-node.js'
import type { HubRef } from './hub-ref.js'

/**
 * Connects to `peerId`: directly first, then (with a hub) through the hub's
 * relay. libp2p dials the addresses in turn, relayed ones last, each with its
 * own timeout (ADDRESS_DIAL_TIMEOUT_MS), so a silent direct address cannot
 * use up the time the relay needs. DCUtR then tries to upgrade a relayed
 * connection to a direct one. The whole dial is bounded by DIAL_TIMEOUT_MS
 * whatever the caller's signal (see boundedDial).
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
    return await boundedDial(node, id, signal)
  } catch (err) {
    throw new PeerUnreachableError(`cannot reach peer ${peerId}${hub != null ? ', directly or through the hub' : ''}: ${(err as Error).message}`, err)
  }
}

/**
 * `node.dial`, bounded by DIAL_TIMEOUT_MS whatever the caller's signal:
 * libp2p applies its own dial timeout only to a dial given no signal, and a
 * download's signal lasts as long as the download. Used for peers and for
 * bare addresses (no peer ID) dialled to learn who is there.
 */
export async function boundedDial (node: SwarmNode, target: PeerId | Multiaddr, signal?: AbortSignal): Promise<Connection> {
  const { signal: bounded, clear } = deadline(DIAL_TIMEOUT_MS, signal)
  try {
    return await node.dial(target, { signal: bounded })
  } finally {
    clear()
  }
}

/** The route a connection's bytes take: from the hub's store, through a relay, hole-punched, or straight. */
export function pathOf (c: Connection, hub?: HubRef): TransferPath {
  if (hub != null && c.remotePeer.toString() === hub.peerId) return 'hub'
  const route = routeOf(c)
  return route === 'relayed' ? 'relay' : route
}
