import type { ComponentLogger, Connection, Logger, PeerId, Startable, Stream } from '@libp2p/interface'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'
import { lpStream } from '@libp2p/utils'
import { CID } from 'multiformats/cid'
import { ContentNotFoundError, ProtocolViolationError } from '../../../../shared/errors.js'
import type { Manifest } from '../../../../shared/manifest.js'
import { decodeManifest } from '../../content/manifest-codec.js'
import type { ContentLookup } from '../../content/library.js'
import { MAX_INBOUND_STREAMS, MAX_OUTBOUND_STREAMS, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES, PROTOCOL, Status, TIMEOUT_MS } from './constants.js'
import { deadline } from '../../deadline.js'

export interface ManifestServiceInit {
  content: ContentLookup
}

export interface ManifestServiceComponents {
  registrar: Registrar
  connectionManager: ConnectionManager
  logger: ComponentLogger
}

export interface FetchedManifest {
  manifest: Manifest
  bytes: Uint8Array
}

/** Serves manifests by CID, and fetches them from others, checked against the CID. */
export class ManifestService implements Startable {
  private readonly log: Logger
  private started = false

  constructor (private readonly components: ManifestServiceComponents, private readonly init: ManifestServiceInit) {
    this.log = components.logger.forComponent('swarmdrop:manifest')
  }

  async start (): Promise<void> {
    await this.components.registrar.handle(PROTOCOL, async (stream, connection) => {
      await this.serve(stream, connection).catch(err => {
        this.log('manifest request from %p failed: %e', connection.remotePeer, err)
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

  private async serve (stream: Stream, connection: Connection): Promise<void> {
    const signal = AbortSignal.timeout(TIMEOUT_MS)
    const lp = lpStream(stream, { maxDataLength: MAX_REQUEST_BYTES })
    const req = await lp.read({ signal })
    let cid: CID
    try {
      cid = CID.decode(req.subarray())
    } catch {
      throw new ProtocolViolationError('manifest request is not a CID')
    }
    const content = this.init.content.get(cid.toString())
    this.log('manifest %s requested by %p: %s', cid, connection.remotePeer, content == null ? 'not found' : 'found')
    if (content == null) {
      await lp.write(Uint8Array.of(Status.NOT_FOUND), { signal })
    } else {
      await lp.writeV([concatStatus(content.manifestBytes)], { signal })
    }
    await stream.close({ signal })
  }

  async fetch (peer: PeerId, cid: CID, options: { signal?: AbortSignal } = {}): Promise<FetchedManifest> {
    const { signal, clear } = deadline(TIMEOUT_MS, options.signal)
    const stream = await this.components.connectionManager.openStream(peer, PROTOCOL, { signal })
    try {
      const lp = lpStream(stream, { maxDataLength: MAX_RESPONSE_BYTES, maxBufferSize: MAX_RESPONSE_BYTES + 16 })
      await lp.write(cid.bytes, { signal })
      const res = (await lp.read({ signal })).subarray()
      await stream.close({ signal }).catch(() => {})
      if (res.byteLength < 1) throw new ProtocolViolationError('empty manifest response')
      if (res[0] === Status.NOT_FOUND) throw new ContentNotFoundError(`peer ${peer.toString()} does not have ${cid.toString()}`)
      if (res[0] !== Status.OK) throw new ProtocolViolationError(`unknown manifest status ${res[0]}`)
      const bytes = res.subarray(1)
      return { manifest: decodeManifest(bytes, cid), bytes }
    } catch (err) {
      stream.abort(err as Error)
      throw err
    } finally {
      clear()
    }
  }
}

function concatStatus (bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.byteLength + 1)
  out[0] = Status.OK
  out.set(bytes, 1)
  return out
}

export function manifestService (init: ManifestServiceInit): (components: ManifestServiceComponents) => ManifestService {
  return components => new ManifestService(components, init)
}
