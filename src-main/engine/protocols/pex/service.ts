import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { z } from 'zod'
import { ProtocolViolationError } from '../../../../shared/errors.js'
import type { PeerHint } from '../../../../shared/link.js'
import { encodeJson, parseJson, RequestResponseService, type RequestResponseComponents } from '../request-response.js'
import { MAX_ADDRS_PER_PEER, MAX_INBOUND_STREAMS, MAX_OUTBOUND_STREAMS, MAX_PEERS, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES, PROTOCOL, TIMEOUT_MS } from './constants.js'

export interface PexInit {
  /** The peer broke the protocol: the engine scores it down. */
  onViolation?: (peer: PeerId, err: Error) => void
  /** Peers we know in the swarm for `cid`, never including `asker`. */
  swarmPeers: (cid: string, asker: PeerId) => Promise<PeerHint[]> | PeerHint[]
}

export const responseSchema = z.object({
  peers: z.array(z.object({
    peerId: z.string().max(128),
    addrs: z.array(z.string().max(256)).max(MAX_ADDRS_PER_PEER)
  })).max(MAX_PEERS)
})

/** Peer exchange: members of a swarm tell each other who else is in it. */
export class PexService extends RequestResponseService {
  constructor (components: RequestResponseComponents, private readonly init: PexInit) {
    super(components, {
      protocol: PROTOCOL,
      maxRequestBytes: MAX_REQUEST_BYTES,
      maxResponseBytes: MAX_RESPONSE_BYTES,
      timeoutMs: TIMEOUT_MS,
      maxInboundStreams: MAX_INBOUND_STREAMS,
      maxOutboundStreams: MAX_OUTBOUND_STREAMS,
      logName: 'swarmdrop:pex',
      onViolation: init.onViolation
    })
  }

  protected async respond (request: Uint8Array, peer: PeerId): Promise<Uint8Array> {
    let cid: string
    try {
      cid = CID.decode(request).toString()
    } catch {
      throw new ProtocolViolationError('pex request is not a CID')
    }
    const peers = (await this.init.swarmPeers(cid, peer)).slice(0, MAX_PEERS).map(p => ({ peerId: p.peerId, addrs: p.addrs.slice(0, MAX_ADDRS_PER_PEER) }))
    return encodeJson({ peers })
  }

  /** Asks `peer` who else is in the swarm for `cid`; entries that do not parse are dropped. */
  async askPeers (peer: PeerId, cid: CID, options: { signal?: AbortSignal } = {}): Promise<PeerHint[]> {
    const answer = parseJson(await this.ask(peer, cid.bytes, options), responseSchema, 'pex answer')
    const hints: PeerHint[] = []
    for (const p of answer.peers) {
      try {
        const id = peerIdFromString(p.peerId).toString()
        const addrs = p.addrs.flatMap(a => { try { return [multiaddr(a).toString()] } catch { return [] } })
        hints.push({ peerId: id, addrs })
      } catch {
        // One bad entry does not spoil the rest.
      }
    }
    return hints
  }
}

export function pexService (init: PexInit): (components: RequestResponseComponents) => PexService {
  return components => new PexService(components, init)
}
