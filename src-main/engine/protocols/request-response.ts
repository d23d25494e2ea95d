import type { ComponentLogger, Connection, Logger, PeerId, Startable, Stream } from '@libp2p/interface'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'
import { lpStream } from '@libp2p/utils'
import type * as z from 'zod'
import { ProtocolViolationError } from '../../../shared/errors.js'
import { deadline } from '../base/deadline.js'
import { bestConnection } from '../base/addresses.js'
import { isViolation } from './violations.js'

/** The limits every one-question, one-answer protocol has; each protocol's constants.ts gives them their values and reasons. */
export interface RequestResponseLimits {
  maxRequestBytes: number
  maxResponseBytes: number
  /** A deadline on the whole exchange, on both sides. */
  timeoutMs: number
  maxInboundStreams: number
  maxOutboundStreams: number
}

/** The shape every one-question, one-answer protocol shares. */
export interface RequestResponseSpec<L extends RequestResponseLimits> {
  protocol: string
  /** The protocol's limits (its constants.ts); an init may override any of them. */
  defaults: L
  /** Serve requests (false: this node only asks, e.g. a tracker client). */
  serve?: boolean
  logName: string
  /** Requests one peer may make per RATE_WINDOW_MS before it counts as a flood. */
  maxRequestsPerWindow?: number
}

/** What every protocol's init may carry, beside its own fields. */
export interface ProtocolInit<L> {
  /** Overrides of the protocol's limits (tests shorten timeouts). */
  limits?: Partial<L>
  /** The peer broke the protocol (bad frame, flood): the engine scores it down. */
  onViolation?: (peer: PeerId, err: Error) => void
}

/** A protocol's limits as its init asked for them: the defaults, with any override (tests shorten timeouts) on top. */
export function withLimits<L extends object> (defaults: L, override?: Partial<L>): L {
  return { ...defaults, ...override }
}

/** Per-peer request counting window. */
const RATE_WINDOW_MS = 10_000
/**
 * Requests per peer per window by default: a browsing user or a busy swarm asks a
 * few times a second; 200 in 10 s is a script hammering us.
 */
const DEFAULT_MAX_REQUESTS_PER_WINDOW = 200
/** Peers tracked for rate limiting at once; the map is trimmed past this. */
const MAX_TRACKED_PEERS = 4096

export interface RequestResponseComponents {
  peerId: PeerId
  registrar: Registrar
  connectionManager: ConnectionManager
  logger: ComponentLogger
}

/**
 * One length-prefixed request, one length-prefixed response, then the stream
 * closes. Both sides cap the frame they read and put a deadline on the whole
 * exchange; the subclass says only what to answer.
 */
export abstract class RequestResponseService<L extends RequestResponseLimits = RequestResponseLimits> implements Startable {
  protected readonly log: Logger
  /** The defaults with the init's overrides on top. */
  protected readonly limits: L
  private readonly onViolation?: (peer: PeerId, err: Error) => void
  private started = false
  private readonly counts = new Map<string, { since: number, n: number }>()

  constructor (protected readonly components: RequestResponseComponents, private readonly spec: RequestResponseSpec<L>, init: ProtocolInit<L>) {
    this.log = components.logger.forComponent(spec.logName)
    this.limits = withLimits(spec.defaults, init.limits)
    this.onViolation = init.onViolation
  }

  /** The answer to `request` from `peer` (over `connection`); throwing a ProtocolViolationError drops the stream. */
  protected abstract respond (request: Uint8Array, peer: PeerId, connection: Connection): Promise<Uint8Array>

  async start (): Promise<void> {
    if (this.spec.serve === false) { this.started = true; return }
    await this.components.registrar.handle(this.spec.protocol, async (stream, connection) => {
      await this.serve(stream, connection).catch(err => {
        this.log('request from %p failed: %e', connection.remotePeer, err)
        if (isViolation(err)) this.onViolation?.(connection.remotePeer, err as Error)
        stream.abort(err as Error)
      })
    // Relayed connections are "limited"; our protocols are what such a connection is for.
    }, { maxInboundStreams: this.limits.maxInboundStreams, maxOutboundStreams: this.limits.maxOutboundStreams, runOnLimitedConnection: true })
    this.started = true
  }

  async stop (): Promise<void> {
    if (this.spec.serve !== false) await this.components.registrar.unhandle(this.spec.protocol)
    this.started = false
  }

  isStarted (): boolean {
    return this.started
  }

  /** Counts a request from `peer`; false once it is past its share of the window. */
  private admit (peer: PeerId): boolean {
    const now = Date.now()
    const key = peer.toString()
    let c = this.counts.get(key)
    if (c == null || now - c.since > RATE_WINDOW_MS) {
      if (this.counts.size >= MAX_TRACKED_PEERS) for (const [k, v] of this.counts) if (now - v.since > RATE_WINDOW_MS) this.counts.delete(k)
      c = { since: now, n: 0 }
      this.counts.set(key, c)
    }
    return ++c.n <= (this.spec.maxRequestsPerWindow ?? DEFAULT_MAX_REQUESTS_PER_WINDOW)
  }

  private async serve (stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer
    if (!this.admit(peer)) throw new ProtocolViolationError(`more than ${this.spec.maxRequestsPerWindow ?? DEFAULT_MAX_REQUESTS_PER_WINDOW} ${this.spec.protocol} requests in ${RATE_WINDOW_MS / 1000} s`)
    const { signal, clear } = deadline(this.limits.timeoutMs)
    try {
      const lp = lpStream(stream, { maxDataLength: this.limits.maxRequestBytes, maxBufferSize: this.limits.maxRequestBytes + 16 })
      const req = await lp.read({ signal })
      await lp.write(await this.respond(req.subarray(), peer, connection), { signal })
      await stream.close({ signal })
    } finally {
      clear()
    }
  }

  /** Sends `body` to `peer` and returns its answer. */
  protected async ask (peer: PeerId, body: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    const { signal, clear } = deadline(this.limits.timeoutMs, options.signal)
    try {
      const stream = await openStreamTo(this.components.connectionManager, peer, this.spec.protocol, signal)
      try {
        const lp = lpStream(stream, { maxDataLength: this.limits.maxResponseBytes, maxBufferSize: this.limits.maxResponseBytes + 16 })
        await lp.write(body, { signal })
        const res = (await lp.read({ signal })).subarray()
        await stream.close({ signal }).catch(() => {})
        return res
      } catch (err) {
        stream.abort(err as Error)
        throw err
      }
    } finally {
      clear()
    }
  }
}

/**
 * Opens a stream on the best open connection to `peer`, dialling only when
 * there is none. libp2p's own openStream never reuses a relayed ("limited")
 * connection and dials again instead, which fails exactly when the relay is
 * the only way to reach the peer.
 */
export async function openStreamTo (connectionManager: ConnectionManager, peer: PeerId, protocol: string, signal?: AbortSignal): Promise<Stream> {
  const conn = bestConnection(connectionManager.getConnections(peer)) ?? await connectionManager.openConnection(peer, { signal })
  return await conn.newStream(protocol, { signal, runOnLimitedConnection: true })
}

/** Decodes a JSON answer and checks it against `schema`; anything else is the peer's fault. */
export function parseJson<T> (bytes: Uint8Array, schema: z.ZodType<T>, what: string): T {
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new ProtocolViolationError(`${what} is not valid JSON`)
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) throw new ProtocolViolationError(`${what} is malformed: ${parsed.error.issues[0]?.message ?? ''}`)
  return parsed.data
}

export function encodeJson (value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value))
}
