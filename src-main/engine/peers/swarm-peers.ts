import { peerIdFromString } from '@libp2p/peer-id'
import type { PeerHint } from '../../../shared/link.js'
import { isPrivate } from '../access/share-access.js'
import type { Library } from '../content/library.js'
import type { SwarmNode } from '../node/create-node.js'
import type { SwarmRegistry } from '../swarm/registry.js'

/** Peer exchange: who else is in a swarm, with their addresses. A private swarm's members are told only to its members. */
export async function swarmPeers (node: SwarmNode, library: Library, registry: SwarmRegistry, cid: string, asker: string): Promise<PeerHint[]> {
  const out: PeerHint[] = []
  if (isPrivate(library.get(cid)?.access) && !registry.peers(cid, '').includes(asker)) return out
  for (const id of registry.peers(cid, asker)) {
    const peer = await node.peerStore.get(peerIdFromString(id)).catch(() => null)
    const addrs = (peer?.addresses ?? []).map(a => a.multiaddr.toString())
    if (addrs.length > 0) out.push({ peerId: id, addrs })
  }
  return out
}
