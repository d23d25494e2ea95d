import type { ComponentLogger, Logger, PeerId, Startable } from '@libp2p/interface'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'
import type { CID } from 'multiformats/cid'
import type { ContentLookup } from '../../content/library.js'
import { PieceChannel, type ChannelOptions } from './channel.js'
import { HELLO_TIMEOUT_MS, MAX_INBOUND_STREAMS, MAX_OUTBOUND_STREAMS, PROTOCOL } from './constants.js'
import { openStreamTo } from '../request-response.js'
import { deadline } from '../../deadline.js'
import { serveUploads, type UploadPolicy } from './uploader.js'
import { isViolation } from '../violations.js'

export interface PieceExchangeInit {
  content: ContentLookup
  policy?: UploadPolicy
  /** A downloader broke the protocol: the engine scores it down. */
  onViolation?: (peer: PeerId, err: Error) => void
}

export interface PieceExchangeComponents {
  peerId: PeerId
  registrar: Registrar
  connectionManager: ConnectionManager
  logger: ComponentLogger
}

/** The piece-exchange protocol: serves uploads, opens download channels. */
export class PieceExchange implements Startable {
  private readonly log: Logger
  private started = false

  constructor (private readonly components: PieceExchangeComponents, private readonly init: PieceExchangeInit) {
    this.log = components.logger.forComponent('swarmdrop:pieces')
  }

  async start (): Promise<void> {
    await this.components.registrar.handle(PROTOCOL, async (stream, connection) => {
      await serveUploads(stream, connection, this.init.content, this.log, this.components.peerId.toString(), this.init.policy).catch(err => {
        this.log('upload to %p ended: %e', connection.remotePeer, err)
        if (isViolation(err)) this.init.onViolation?.(connection.remotePeer, err as Error)
        stream.abort(err as Error)
      })
    }, { maxInboundStreams: MAX_INBOUND_STREAMS, maxOutboundStreams: MAX_OUTBOUND_STREAMS, runOnLimitedConnection: true })
    this.started = true
  }

  async stop (): Promise<void> {
    await this.components.registrar.unhandle(PROTOCOL)
    this.started = false
  }

  isStarted (): boolean {
    return this.started
  }

  async open (peer: PeerId, cid: CID, opts: ChannelOptions & { signal?: AbortSignal }): Promise<PieceChannel> {
    const { signal, clear } = deadline(HELLO_TIMEOUT_MS * 3, opts.signal)
    try {
      const stream = await openStreamTo(this.components.connectionManager, peer, PROTOCOL, signal)
      try {
        return await PieceChannel.open(stream, cid, opts)
      } catch (err) {
        stream.abort(err as Error)
        throw err
      }
    } finally {
      clear()
    }
  }
}

export function pieceExchange (init: PieceExchangeInit): (components: PieceExchangeComponents) => PieceExchange {
  return components => new PieceExchange(components, init)
}
