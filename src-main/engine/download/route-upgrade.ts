import type { Connection } from '@libp2p/interface'
import type { TransferPath } from '../../../shared/transfer.js'
import { isRelayed, routeOf } from '../base/addresses.js'
import type { SwarmNode } from '../node/create-node.js'
import { WEBRTC_SIGNALING } from '../node/direct-upgrader.js'

/**
 * How long a download waits for a hole punch before it starts on the relay.
 * A punch between two NATs takes 0.2-0.8 s here; the relay carries what
 * moves before it, and the hub's bytes are everybody's limit.
 */
export const PUNCH_WAIT_MS = 2_000

/** Routes from best to worst: a channel moves only to a better one. */
const RANK: Record<TransferPath, number> = { direct: 0, punched: 1, relay: 2, hub: 3 }

export interface RouteUpgradeDeps {
  node: SwarmNode
  /** The route we download from `peerId` on now; undefined when we do not. */
  routeOf: (peerId: string) => TransferPath | undefined
  /** Opens a piece channel on `c` and hands it to the download, where it takes over from the old one. */
  reopen: (c: Connection) => Promise<void>
}

/**
 * A relayed connection moves to a direct one the moment one exists: when a
 * direct (or hole-punched) connection opens to a peer we download from through
 * a relay, a new piece channel is opened on it and takes over. The old
 * channel's requests are released and asked again on the new one, so no piece
 * is lost; the relay is left for libp2p to close. Returns the unsubscribe.
 */
export function followBetterRoutes (deps: RouteUpgradeDeps): () => void {
  const opening = new Set<string>()
  const onOpen = (evt: CustomEvent<Connection>): void => {
    const c = evt.detail
    const peerId = c.remotePeer.toString()
    const now = deps.routeOf(peerId)
    const next = routeOf(c)
    const path: TransferPath = next === 'relayed' ? 'relay' : next
    if (now == null || RANK[path] >= RANK[now] || opening.has(peerId)) return
    opening.add(peerId)
    void deps.reopen(c).finally(() => opening.delete(peerId))
  }
  deps.node.addEventListener('connection:open', onOpen)
  return () => { deps.node.removeEventListener('connection:open', onOpen) }
}

/**
 * `c` itself, or a direct connection to the same peer if one opens within
 * PUNCH_WAIT_MS, when the peer can be hole-punched (it speaks WebRTC's
 * signalling): the upgrader is punching as this runs.
 */
export async function directSoon (node: SwarmNode, c: Connection, signal?: AbortSignal): Promise<Connection> {
  const peer = c.remotePeer
  const direct = (): Connection | undefined => node.getConnections(peer).find(x => x.status === 'open' && !isRelayed(x))
  const now = direct()
  if (now != null) return now
  const known = await node.peerStore.get(peer).catch(() => null)
  if (known == null || !known.protocols.includes(WEBRTC_SIGNALING)) return c
  return await new Promise<Connection>(resolve => {
    const done = (): void => {
      clearTimeout(timer)
      node.removeEventListener('connection:open', check)
      signal?.removeEventListener('abort', done)
      resolve(direct() ?? c)
    }
    const check = (): void => { if (direct() != null) done() }
    const timer = setTimeout(done, PUNCH_WAIT_MS)
    node.addEventListener('connection:open', check)
    signal?.addEventListener('abort', done, { once: true })
  })
}
