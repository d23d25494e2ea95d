import type { ComponentLogger, Logger, PeerId, Startable } from '@libp2p/interface'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'
import type { CID } from 'multiformats/cid'
import type { ContentLookup } from '../../content/library.js'
import { PieceChannel, type ChannelOptions } from './channel.js'
import { LIMITS, PROTOCOL, type PiecesLimits } from './constants.js'
import { openStreamTo, withLimits } from '../request-response.js'
import { deadline } from '../../base/deadline.js'
import type { UploadPolicy } from './uploader.js'
import { UploadSession } from './upload-session.js'
import { isViolation } from '../violations.js'

export interface PieceExchangeInit {
  content: ContentLookup
  policy?: UploadPolicy
  /** A downloader broke the protocol: the engine scores it down. */
  onViolation?: (peer: PeerId, err: Error) => void
  limits?: Partial<PiecesLimits>
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
  private readonly limits: PiecesLimits
  private started = false

  constructor (private readonly components: PieceExchangeComponents, private readonly init: PieceExchangeInit) {
    this.log = components.logger.forComponent('swarmdrop:pieces')
    this.limits = withLimits<PiecesLimits>(LIMITS, init.limits)
  }

  async start (): Promise<void> {
    await this.components.registrar.handle(PROTOCOL, async (stream, connection) => {
      const session = new UploadSession({
        stream,
        remotePeer: connection.remotePeer,
        content: this.init.content,
        self: this.components.peerId.toString(),
        log: this.log,
        policy: this.init.policy,
        limits: this.limits
      })
      await session.run().catch(err => {
        this.log('upload to %p ended: %e', connection.remotePeer, err)
        if (isViolation(err)) this.init.onViolation?.(connection.remotePeer, err as Error)
        stream.abort(err as Error)
      })
    }, { maxInboundStreams: this.limits.maxInboundStreams, maxOutboundStreams: this.limits.maxOutboundStreams, runOnLimitedConnection: true })
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
    const { signal, clear } = deadline(this.limits.helloTimeoutMs * 3, opts.signal)
    try {
      const stream = await openStreamTo(this.components.connectionManager, peer, PROTOCOL, signal)
      try {
        return await PieceChannel.open(stream, cid, opts, this.limits)
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
