import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { ProtocolViolationError } from '../../../../shared/errors.js'
import type { PeerHint } from '../../../../shared/link.js'
import { encodeJson, parseJson, RequestResponseService, type ProtocolInit, type RequestResponseComponents } from '../request-response.js'
import { LIMITS, PROTOCOL, type PexLimits } from './constants.js'
import { responseSchema } from './messages.js'

export interface PexInit extends ProtocolInit<PexLimits> {
  /** Peers we know in the swarm for `cid`, never including `asker`. */
  swarmPeers: (cid: string, asker: PeerId) => Promise<PeerHint[]> | PeerHint[]
}

/** Peer exchange: members of a swarm tell each other who else is in it. */
export class PexService extends RequestResponseService<PexLimits> {
  constructor (components: RequestResponseComponents, private readonly init: PexInit) {
    super(components, { protocol: PROTOCOL, defaults: LIMITS, logName: 'swarmdrop:pex' }, init)
  }

  protected async respond (request: Uint8Array, peer: PeerId): Promise<Uint8Array> {
    let cid: string
    try {
      cid = CID.decode(request).toString()
    } catch {
      throw new ProtocolViolationError('pex request is not a CID')
    }
    const peers = (await this.init.swarmPeers(cid, peer)).slice(0, this.limits.maxPeers).map(p => ({ peerId: p.peerId, addrs: p.addrs.slice(0, this.limits.maxAddrsPerPeer) }))
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
