import { PRIVATE_DHT_PROTOCOL, PUBLIC_DHT_PROTOCOL } from './constants.js'
import type { SwarmNode } from './create-node.js'

/**
 * How long to wait for identify to tell what a just-connected peer speaks. Right after
 * dialling a bootstrap peer its protocols are not known yet; 3 s covers a slow
 * handshake on a loaded machine and is short next to a DHT lookup.
 */
const IDENTIFY_WAIT_MS = 3000

/**
 * Is any connected peer a DHT server? Kad-DHT queries wait for routing-table
 * peers that never come when there are none (e.g. connected only to a hub
 * that runs no DHT server), so callers skip the DHT instead of timing out.
 */
export async function hasDhtPeers (node: SwarmNode, signal?: AbortSignal): Promise<boolean> {
  const until = Date.now() + IDENTIFY_WAIT_MS
  for (;;) {
    let unknown = false
    for (const c of node.getConnections()) {
      const peer = await node.peerStore.get(c.remotePeer).catch(() => null)
      if (peer?.protocols.some(p => p === PRIVATE_DHT_PROTOCOL || p === PUBLIC_DHT_PROTOCOL) === true) return true
      if (peer == null || peer.protocols.length === 0) unknown = true
    }
    if (!unknown || Date.now() >= until || signal?.aborted === true) return false
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}
