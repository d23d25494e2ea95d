import type { PeerId } from '@libp2p/interface'
import type { CatalogEntry } from '../../../../shared/catalog.js'
import { encodeJson, parseJson, RequestResponseService, type ProtocolInit, type RequestResponseComponents } from '../request-response.js'
import { LIMITS, PROTOCOL, type CatalogLimits } from './constants.js'
import { responseSchema } from './messages.js'

export interface CatalogInit extends ProtocolInit<CatalogLimits> {
  /** What we list to a given peer. */
  entries: (peer: PeerId) => CatalogEntry[]
}

/** What a peer shares: asked for when someone joins by peer ID. */
export class CatalogService extends RequestResponseService<CatalogLimits> {
  constructor (components: RequestResponseComponents, private readonly init: CatalogInit) {
    super(components, { protocol: PROTOCOL, defaults: LIMITS, logName: 'swarmdrop:catalog' }, init)
  }

  protected async respond (_request: Uint8Array, peer: PeerId): Promise<Uint8Array> {
    // Halve the list until it fits the frame cap: a huge library answers with its first part.
    let entries = this.init.entries(peer).slice(0, this.limits.maxEntries)
    let bytes = encodeJson(entries)
    while (bytes.byteLength > this.limits.maxResponseBytes && entries.length > 0) {
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
