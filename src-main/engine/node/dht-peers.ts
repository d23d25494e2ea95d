import { deadline } from '../base/deadline.js'
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
 * Peers not identified yet are waited for: each identify (or a connection
 * closing) looks again.
 */
export async function hasDhtPeers (node: SwarmNode, signal?: AbortSignal): Promise<boolean> {
  const { signal: stop, clear } = deadline(IDENTIFY_WAIT_MS, signal)
  let changed: boolean
  let wake: (() => void) | undefined
  const onChange = (): void => { changed = true; wake?.() }
  node.addEventListener('peer:identify', onChange)
  node.addEventListener('connection:close', onChange)
  stop.addEventListener('abort', onChange)
  try {
    for (;;) {
      changed = false
      let unknown = false
      for (const c of node.getConnections()) {
        const peer = await node.peerStore.get(c.remotePeer).catch(() => null)
        if (peer?.protocols.some(p => p === PRIVATE_DHT_PROTOCOL || p === PUBLIC_DHT_PROTOCOL) === true) return true
        if (peer == null || peer.protocols.length === 0) unknown = true
      }
      if (!unknown || stop.aborted) return false
      // Something may have changed while we looked; otherwise sleep until it does.
      if (!changed) await new Promise<void>(resolve => { wake = resolve })
      wake = undefined
    }
  } finally {
    clear()
    node.removeEventListener('peer:identify', onChange)
    node.removeEventListener('connection:close', onChange)
    stop.removeEventListener('abort', onChange)
  }
}
