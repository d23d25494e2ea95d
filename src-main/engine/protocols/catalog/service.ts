import type { ComponentLogger, Logger, PeerId, Startable, Stream } from '@libp2p/interface'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'
import { lpStream } from '@libp2p/utils'
import { z } from 'zod'
import { catalogEntrySchema, type CatalogEntry } from '../../../../shared/catalog.js'
import { ProtocolViolationError } from '../../../../shared/errors.js'
import { MAX_ENTRIES, MAX_INBOUND_STREAMS, MAX_OUTBOUND_STREAMS, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES, PROTOCOL, TIMEOUT_MS } from './constants.js'
import { deadline } from '../../deadline.js'

export interface CatalogInit {
  /** What we list to a given peer. */
  entries: (peer: PeerId) => CatalogEntry[]
}

export interface CatalogComponents {
  registrar: Registrar
  connectionManager: ConnectionManager
  logger: ComponentLogger
}

const responseSchema = z.array(catalogEntrySchema).max(MAX_ENTRIES)

/** What a peer shares: asked for when someone joins by peer ID. */
export class CatalogService implements Startable {
  private readonly log: Logger
  private started = false

  constructor (private readonly components: CatalogComponents, private readonly init: CatalogInit) {
    this.log = components.logger.forComponent('swarmdrop:catalog')
  }

  async start (): Promise<void> {
    await this.components.registrar.handle(PROTOCOL, async (stream, connection) => {
      await this.serve(stream, connection.remotePeer).catch(err => {
        this.log('catalog request from %p failed: %e', connection.remotePeer, err)
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
    await lp.read({ signal })
    let entries = this.init.entries(peer).slice(0, MAX_ENTRIES)
    let bytes = new TextEncoder().encode(JSON.stringify(entries))
    while (bytes.byteLength > MAX_RESPONSE_BYTES && entries.length > 0) {
      entries = entries.slice(0, Math.floor(entries.length / 2))
      bytes = new TextEncoder().encode(JSON.stringify(entries))
    }
    await lp.write(bytes, { signal })
    await stream.close({ signal })
  }

  async fetch (peer: PeerId, options: { signal?: AbortSignal } = {}): Promise<CatalogEntry[]> {
    const { signal, clear } = deadline(TIMEOUT_MS, options.signal)
    const stream = await this.components.connectionManager.openStream(peer, PROTOCOL, { signal })
    try {
      const lp = lpStream(stream, { maxDataLength: MAX_RESPONSE_BYTES, maxBufferSize: MAX_RESPONSE_BYTES + 16 })
      await lp.write(new Uint8Array(0), { signal })
      const res = await lp.read({ signal })
      await stream.close({ signal }).catch(() => {})
      let json: unknown
      try {
        json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(res.subarray()))
      } catch {
        throw new ProtocolViolationError('catalog is not valid JSON')
      }
      const parsed = responseSchema.safeParse(json)
      if (!parsed.success) throw new ProtocolViolationError(`catalog is malformed: ${parsed.error.issues[0]?.message ?? ''}`)
      return parsed.data
    } catch (err) {
      stream.abort(err as Error)
      throw err
    } finally {
      clear()
    }
  }
}

export function catalogService (init: CatalogInit): (components: CatalogComponents) => CatalogService {
  return components => new CatalogService(components, init)
}
