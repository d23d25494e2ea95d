import { PRIVATE_DHT_PROTOCOL, PUBLIC_DHT_PROTOCOL } from './constants.js'
import type { SwarmNode } from './create-node.js'

/**
 * Is any connected peer a DHT server? Kad-DHT queries wait for routing-table
 * peers that never come when there are none (e.g. connected only to a hub
 * that runs no DHT server), so callers skip the DHT instead of timing out.
 */
export async function hasDhtPeers (node: SwarmNode): Promise<boolean> {
  for (const c of node.getConnections()) {
    const peer = await node.peerStore.get(c.remotePeer).catch(() => null)
    if (peer?.protocols.some(p => p === PRIVATE_DHT_PROTOCOL || p === PUBLIC_DHT_PROTOCOL) === true) return true
  }
  return false
}
