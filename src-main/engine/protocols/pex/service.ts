import type { ComponentLogger, Logger, PeerId, Startable, Stream } from '@libp2p/interface'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { z } from 'zod'
import { ProtocolViolationError } from '../../../../shared/errors.js'
import type { PeerHint } from '../../../../shared/link.js'
import { MAX_ADDRS_PER_PEER, MAX_INBOUND_STREAMS, MAX_OUTBOUND_STREAMS, MAX_PEERS, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES, PROTOCOL, TIMEOUT_MS } from './constants.js'
import { deadline } from '../../deadline.js'

export interface PexInit {
  /** Peers we know in the swarm for `cid`, never including `asker`. */
  swarmPeers: (cid: string, asker: PeerId) => Promise<PeerHint[]> | PeerHint[]
}

export interface PexComponents {
  registrar: Registrar
  connectionManager: ConnectionManager
  logger: ComponentLogger
}

const responseSchema = z.object({
  peers: z.array(z.object({
    peerId: z.string().max(128),
    addrs: z.array(z.string().max(256)).max(MAX_ADDRS_PER_PEER)
  })).max(MAX_PEERS)
})

/** Peer exchange: members of a swarm tell each other who else is in it. */
export class PexService implements Startable {
  private readonly log: Logger
  private started = false

  constructor (private readonly components: PexComponents, private readonly init: PexInit) {
    this.log = components.logger.forComponent('swarmdrop:pex')
  }

  async start (): Promise<void> {
    await this.components.registrar.handle(PROTOCOL, async (stream, connection) => {
      await this.serve(stream, connection.remotePeer).catch(err => {
        this.log('pex request from %p failed: %e', connection.remotePeer, err)
        stream.abort(err as Error)
      })
    }, { maxInboundStreams: MAX_INBOUND_STREAMS, maxOutboundStreams: MAX_OUTBOUND_STREAMS })
    this.started = true
  }

  async stop (): Promise<void> {
    await this.components.registrar.unhandle(PROTOCOL)
    this.started = false
  }

  isStarted (): boolean {
    return this.started
  }

  private async serve (stream: Stream, peer: PeerId): Promise<void> {
    const signal = AbortSignal.timeout(TIMEOUT_MS)
    const lp = lpStream(stream, { maxDataLength: MAX_REQUEST_BYTES })
    const req = await lp.read({ signal })
    let cid: string
    try {
      cid = CID.decode(req.subarray()).toString()
    } catch {
      throw new ProtocolViolationError('pex request is not a CID')
    }
    const peers = (await this.init.swarmPeers(cid, peer)).slice(0, MAX_PEERS).map(p => ({ peerId: p.peerId, addrs: p.addrs.slice(0, MAX_ADDRS_PER_PEER) }))
    await lp.write(new TextEncoder().encode(JSON.stringify({ peers })), { signal })
    await stream.close({ signal })
  }

  /** Asks `peer` who else is in the swarm for `cid`; hints are checked before they are returned. */
  async ask (peer: PeerId, cid: CID, options: { signal?: AbortSignal } = {}): Promise<PeerHint[]> {
    const { signal, clear } = deadline(TIMEOUT_MS, options.signal)
    const stream = await this.components.connectionManager.openStream(peer, PROTOCOL, { signal })
    try {
      const lp = lpStream(stream, { maxDataLength: MAX_RESPONSE_BYTES })
      await lp.write(cid.bytes, { signal })
      const res = await lp.read({ signal })
      await stream.close({ signal }).catch(() => {})
      let json: unknown
      try {
        json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(res.subarray()))
      } catch {
        throw new ProtocolViolationError('pex answer is not valid JSON')
      }
      const parsed = responseSchema.safeParse(json)
      if (!parsed.success) throw new ProtocolViolationError('pex answer is malformed')
      const hints: PeerHint[] = []
      for (const p of parsed.data.peers) {
        try {
          const id = peerIdFromString(p.peerId).toString()
          const addrs = p.addrs.flatMap(a => { try { return [multiaddr(a).toString()] } catch { return [] } })
          hints.push({ peerId: id, addrs })
        } catch {
          // One bad entry does not spoil the rest.
        }
      }
      return hints
    } catch (err) {
      stream.abort(err as Error)
      throw err
    } finally {
      clear()
    }
  }
}

export function pexService (init: PexInit): (components: PexComponents) => PexService {
  return components => new PexService(components, init)
}
