import { peerIdFromString } from '@libp2p/peer-id'
import { UsageError } from '../../../shared/errors.js'
import { parseCid } from '../../../shared/link.js'
import { isPrivate } from '../access/share-access.js'
import { dialPeer } from '../node/dial.js'
import type { HubRef } from '../node/hub-ref.js'
import type { SwarmNode } from '../node/create-node.js'
import type { ShareRecords } from '../persistence/share-records.js'

/**
 * Asks `hub` to keep a copy of a share, so it stays downloadable while we
 * are offline. Resolves once the hub holds every piece.
 */
export async function pushToHub (node: SwarmNode, shares: ShareRecords, hub: HubRef | undefined, cid: string, signal?: AbortSignal): Promise<number> {
  if (hub == null) throw new UsageError('no hub to push to: pass --hub <multiaddr>')
  const share = shares.get(cid)
  if (share == null) throw new UsageError(`not sharing ${cid}`)
  if (isPrivate(share.access)) throw new UsageError('a private share cannot be pushed: the hub serves its store to anyone with the content ID')
  if (share.changed != null) throw new UsageError(`cannot push "${share.manifest.name}": ${share.changed.file} changed on disk; share it again first`)
  await dialPeer(node, hub.peerId, [hub.addr], signal)
  return await node.services.store.push(peerIdFromString(hub.peerId), parseCid(cid), { signal })
}
