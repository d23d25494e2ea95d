import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'
import type { PeerHint } from '../../../../shared/link.js'
import { encodeJson, parseJson, RequestResponseService, type ProtocolInit, type RequestResponseComponents } from '../request-response.js'
import { ANNOUNCE_TTL_MS, LIMITS, PROTOCOL, type TrackerLimits } from './constants.js'
import { announceAnswer, lookupAnswer, requestSchema } from './messages.js'
import type { TrackerTable } from './table.js'

export interface TrackerInit extends ProtocolInit<TrackerLimits> {
  /** Present on a hub: the table this node answers from. Absent: client only. */
  table?: TrackerTable
}

/**
 * The tracker, the classic client-server pattern: peers tell a hub which CIDs
 * they hold (announcements expire), and ask it who holds a CID. The announcer
 * is the authenticated remote peer, so a peer can only announce itself.
 */
export class TrackerService extends RequestResponseService<TrackerLimits> {
  constructor (components: RequestResponseComponents, private readonly init: TrackerInit) {
    super(components, { protocol: PROTOCOL, defaults: LIMITS, logName: 'swarmdrop:tracker', serve: init.table != null }, init)
  }

  protected async respond (request: Uint8Array, peer: PeerId): Promise<Uint8Array> {
    const req = parseJson(request, requestSchema, 'tracker request')
    const table = this.init.table!
    if (req.op === 'announce') {
      table.announce(peer.toString(), req.cids, cleanAddrs(req.addrs, this.limits.maxAddrsPerPeer))
      this.log('%p announced %d CID(s)', peer, req.cids.length)
      return encodeJson({ ttlMs: ANNOUNCE_TTL_MS })
    }
    return encodeJson({ peers: table.lookup(req.cid, peer.toString()) })
  }

  async announce (hub: PeerId, cids: readonly string[], addrs: readonly string[], options: { signal?: AbortSignal } = {}): Promise<number> {
    let ttl = 0
    for (let i = 0; i < Math.max(1, cids.length); i += this.limits.maxCidsPerAnnounce) {
      const body = encodeJson({ op: 'announce', cids: cids.slice(i, i + this.limits.maxCidsPerAnnounce), addrs: addrs.slice(0, this.limits.maxAddrsPerPeer) })
      ttl = parseJson(await this.ask(hub, body, options), announceAnswer, 'tracker answer').ttlMs
    }
    return ttl
  }

  async lookup (hub: PeerId, cid: CID, options: { signal?: AbortSignal } = {}): Promise<PeerHint[]> {
    const answer = parseJson(await this.ask(hub, encodeJson({ op: 'lookup', cid: cid.toString() }), options), lookupAnswer, 'tracker answer')
    const out: PeerHint[] = []
    for (const p of answer.peers) {
      try { out.push({ peerId: peerIdFromString(p.peerId).toString(), addrs: cleanAddrs(p.addrs, this.limits.maxAddrsPerPeer) }) } catch { /* skip a bad entry */ }
    }
    return out
  }
}

function cleanAddrs (addrs: readonly string[], max: number): string[] {
  return addrs.flatMap(a => { try { return [multiaddr(a).toString()] } catch { return [] } }).slice(0, max)
}

export function trackerService (init: TrackerInit): (components: RequestResponseComponents) => TrackerService {
  return components => new TrackerService(components, init)
}
