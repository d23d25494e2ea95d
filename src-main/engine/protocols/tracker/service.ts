import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { z } from 'zod'
import type { PeerHint } from '../../../../shared/link.js'
import { encodeJson, parseJson, RequestResponseService, type RequestResponseComponents } from '../request-response.js'
import { ANNOUNCE_TTL_MS, MAX_ADDRS_PER_PEER, MAX_CIDS_PER_ANNOUNCE, MAX_INBOUND_STREAMS, MAX_OUTBOUND_STREAMS, MAX_PEERS_PER_LOOKUP, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES, PROTOCOL, TIMEOUT_MS } from './constants.js'
import type { TrackerTable } from './table.js'

export interface TrackerInit {
  /** The peer broke the protocol: the engine scores it down. */
  onViolation?: (peer: PeerId, err: Error) => void
  /** Present on a hub: the table this node answers from. Absent: client only. */
  table?: TrackerTable
}

const cidText = z.string().max(128).refine(s => { try { CID.parse(s); return true } catch { return false } }, 'not a CID')
const addr = z.string().max(512)
export const requestSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('announce'), cids: z.array(cidText).max(MAX_CIDS_PER_ANNOUNCE), addrs: z.array(addr).max(MAX_ADDRS_PER_PEER) }).strict(),
  z.object({ op: z.literal('lookup'), cid: cidText }).strict()
])
export const announceAnswer = z.object({ ttlMs: z.number().int().positive() })
export const lookupAnswer = z.object({ peers: z.array(z.object({ peerId: z.string().max(128), addrs: z.array(addr).max(MAX_ADDRS_PER_PEER) })).max(MAX_PEERS_PER_LOOKUP) })

/**
 * The tracker, the classic client-server pattern: peers tell a hub which CIDs
 * they hold (announcements expire), and ask it who holds a CID. The announcer
 * is the authenticated remote peer, so a peer can only announce itself.
 */
export class TrackerService extends RequestResponseService {
  constructor (components: RequestResponseComponents, private readonly init: TrackerInit) {
    super(components, {
      protocol: PROTOCOL,
      maxRequestBytes: MAX_REQUEST_BYTES,
      maxResponseBytes: MAX_RESPONSE_BYTES,
      timeoutMs: TIMEOUT_MS,
      serve: init.table != null,
      maxInboundStreams: MAX_INBOUND_STREAMS,
      maxOutboundStreams: MAX_OUTBOUND_STREAMS,
      logName: 'swarmdrop:tracker',
      onViolation: init.onViolation
    })
  }

  protected async respond (request: Uint8Array, peer: PeerId): Promise<Uint8Array> {
    const req = parseJson(request, requestSchema, 'tracker request')
    const table = this.init.table!
    if (req.op === 'announce') {
      table.announce(peer.toString(), req.cids, cleanAddrs(req.addrs))
      this.log('%p announced %d CID(s)', peer, req.cids.length)
      return encodeJson({ ttlMs: ANNOUNCE_TTL_MS })
    }
    return encodeJson({ peers: table.lookup(req.cid, peer.toString()) })
  }

  async announce (hub: PeerId, cids: readonly string[], addrs: readonly string[], options: { signal?: AbortSignal } = {}): Promise<number> {
    let ttl = 0
    for (let i = 0; i < Math.max(1, cids.length); i += MAX_CIDS_PER_ANNOUNCE) {
      const body = encodeJson({ op: 'announce', cids: cids.slice(i, i + MAX_CIDS_PER_ANNOUNCE), addrs: addrs.slice(0, MAX_ADDRS_PER_PEER) })
      ttl = parseJson(await this.ask(hub, body, options), announceAnswer, 'tracker answer').ttlMs
    }
    return ttl
  }

  async lookup (hub: PeerId, cid: CID, options: { signal?: AbortSignal } = {}): Promise<PeerHint[]> {
    const answer = parseJson(await this.ask(hub, encodeJson({ op: 'lookup', cid: cid.toString() }), options), lookupAnswer, 'tracker answer')
    const out: PeerHint[] = []
    for (const p of answer.peers) {
      try { out.push({ peerId: peerIdFromString(p.peerId).toString(), addrs: cleanAddrs(p.addrs) }) } catch { /* skip a bad entry */ }
    }
    return out
  }
}

function cleanAddrs (addrs: readonly string[]): string[] {
  return addrs.flatMap(a => { try { return [multiaddr(a).toString()] } catch { return [] } }).slice(0, MAX_ADDRS_PER_PEER)
}

export function trackerService (init: TrackerInit): (components: RequestResponseComponents) => TrackerService {
  return components => new TrackerService(components, init)
}
