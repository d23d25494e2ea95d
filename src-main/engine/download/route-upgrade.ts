import type { Connection } from '@libp2p/interface'
import type { TransferPath } from '../../../shared/transfer.js'
import { routeOf } from '../node/addresses.js'
import type { SwarmNode } from '../node/create-node.js'

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
