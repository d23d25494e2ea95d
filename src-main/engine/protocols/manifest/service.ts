import type { PeerId } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import { AccessDeniedError, ContentNotFoundError, ProtocolViolationError } from '../../../../shared/errors.js'
import { mayAccess, PROOF_BYTES, withProof } from '../../access/share-access.js'
import type { Manifest } from '../../../../shared/manifest.js'
import type { ContentLookup } from '../../content/library.js'
import { decodeManifest } from '../../content/manifest-codec.js'
import { RequestResponseService, type ProtocolInit, type RequestResponseComponents } from '../request-response.js'
import { LIMITS, PROTOCOL, type ManifestLimits } from './constants.js'
import { Status } from './messages.js'

export interface ManifestServiceInit extends ProtocolInit<ManifestLimits> {
  content: ContentLookup
}

export interface FetchedManifest {
  manifest: Manifest
  bytes: Uint8Array
}

/** Serves manifests by CID, and fetches them from others, checked against the CID. */
export class ManifestService extends RequestResponseService<ManifestLimits> {
  constructor (components: RequestResponseComponents, private readonly init: ManifestServiceInit) {
    super(components, { protocol: PROTOCOL, defaults: LIMITS, logName: 'swarmdrop:manifest' }, init)
  }

  protected async respond (request: Uint8Array, peer: PeerId): Promise<Uint8Array> {
    let cid: CID
    let proof: Uint8Array
    try {
      [cid, proof] = CID.decodeFirst(request)
    } catch {
      throw new ProtocolViolationError('manifest request is not a CID')
    }
    if (proof.byteLength !== 0 && proof.byteLength !== PROOF_BYTES) throw new ProtocolViolationError('manifest request carries a malformed access proof')
    const content = this.init.content.get(cid.toString())
    this.log('manifest %s requested by %p: %s', cid, peer, content == null ? 'not found' : 'found')
    if (content == null) return Uint8Array.of(Status.NOT_FOUND)
    if (!mayAccess(content.access, cid.toString(), peer.toString(), this.components.peerId.toString(), proof.byteLength === 0 ? undefined : proof)) return Uint8Array.of(Status.DENIED)
    const out = new Uint8Array(content.manifestBytes.byteLength + 1)
    out[0] = Status.OK
    out.set(content.manifestBytes, 1)
    return out
  }

  async fetch (peer: PeerId, cid: CID, options: { signal?: AbortSignal, proof?: Uint8Array } = {}): Promise<FetchedManifest> {
    const res = await this.ask(peer, withProof(cid.bytes, options.proof), options)
    if (res.byteLength < 1) throw new ProtocolViolationError('empty manifest response')
    if (res[0] === Status.NOT_FOUND) throw new ContentNotFoundError(`peer ${peer.toString()} does not have ${cid.toString()}`)
    if (res[0] === Status.DENIED) throw new AccessDeniedError(`${cid.toString()} is a private share: peer ${peer.toString()} did not let us in (the link's secret is missing or wrong, or our peer ID is not on its list)`)
    if (res[0] !== Status.OK) throw new ProtocolViolationError(`unknown manifest status ${res[0]}`)
    const bytes = res.subarray(1)
    return { manifest: decodeManifest(bytes, cid), bytes }
  }
}

export function manifestService (init: ManifestServiceInit): (components: RequestResponseComponents) => ManifestService {
  return components => new ManifestService(components, init)
}
