import type { PeerId } from '@libp2p/interface'
import { z } from 'zod'
import { catalogEntrySchema, type CatalogEntry } from '../../../../shared/catalog.js'
import { encodeJson, parseJson, RequestResponseService, type RequestResponseComponents } from '../request-response.js'
import { MAX_ENTRIES, MAX_INBOUND_STREAMS, MAX_OUTBOUND_STREAMS, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES, PROTOCOL, TIMEOUT_MS } from './constants.js'

export interface CatalogInit {
  /** The peer broke the protocol: the engine scores it down. */
  onViolation?: (peer: PeerId, err: Error) => void
  /** What we list to a given peer. */
  entries: (peer: PeerId) => CatalogEntry[]
}

export const responseSchema = z.array(catalogEntrySchema).max(MAX_ENTRIES)

/** What a peer shares: asked for when someone joins by peer ID. */
export class CatalogService extends RequestResponseService {
  constructor (components: RequestResponseComponents, private readonly init: CatalogInit) {
    super(components, {
      protocol: PROTOCOL,
      maxRequestBytes: MAX_REQUEST_BYTES,
      maxResponseBytes: MAX_RESPONSE_BYTES,
      timeoutMs: TIMEOUT_MS,
      maxInboundStreams: MAX_INBOUND_STREAMS,
      maxOutboundStreams: MAX_OUTBOUND_STREAMS,
      logName: 'swarmdrop:catalog',
      onViolation: init.onViolation
    })
  }

  protected async respond (_request: Uint8Array, peer: PeerId): Promise<Uint8Array> {
    // Halve the list until it fits the frame cap: a huge library answers with its first part.
    let entries = this.init.entries(peer).slice(0, MAX_ENTRIES)
    let bytes = encodeJson(entries)
    while (bytes.byteLength > MAX_RESPONSE_BYTES && entries.length > 0) {
      entries = entries.slice(0, Math.floor(entries.length / 2))
      bytes = encodeJson(entries)
    }
    return bytes
  }

  async fetch (peer: PeerId, options: { signal?: AbortSignal } = {}): Promise<CatalogEntry[]> {
    return parseJson(await this.ask(peer, new Uint8Array(0), options), responseSchema, 'catalog')
  }
}

export function catalogService (init: CatalogInit): (components: RequestResponseComponents) => CatalogService {
  return components => new CatalogService(components, init)
}
