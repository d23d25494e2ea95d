import type { Stream } from '@libp2p/interface'
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import type { CID } from 'multiformats/cid'
import type { Uint8ArrayList } from 'uint8arraylist'
import { Bitfield } from '../../../../shared/bitfield.js'
import { AccessDeniedError, ContentNotFoundError, ProtocolViolationError } from '../../../../shared/errors.js'
import { LIMITS, MAX_BITFIELD_FRAME, MAX_PIECE_FRAME, type PiecesLimits } from './constants.js'
import { deadline } from '../../base/deadline.js'
import { decode, encode, ErrorReason, type PieceMessage } from './messages.js'
import { withProof } from '../../access/share-access.js'

export interface ChannelEvents {
  piece: (index: number, data: Uint8ArrayList) => void
  reject: (index: number) => void
  have: (index: number) => void
  choke: (choked: boolean) => void
  close: (err?: Error) => void
}

export interface ChannelOptions {
  pieceCount: number
  pieceSize: number
  /** Most requests this side will ever keep in flight; sizes the read buffer. */
  maxInFlight: number
  /** For a private share: proof that we hold its secret (see access/share-access.ts). */
  proof?: Uint8Array
  /**
   * The pieces we hold already. An uploader seeding a share for the first time shows each
   * downloader only pieces it lacks, so it must know which those are.
   */
  mine?: Bitfield
}

/**
 * The downloader's end of a piece-exchange stream. It only frames and
 * checks the wire; which piece to ask for is the caller's business.
 */
export class PieceChannel {
  readonly have: Bitfield
  private readonly lp: LengthPrefixedStream
  private listeners: Partial<ChannelEvents> = {}
  private closed = false
  /** Uploaders choke until they have a slot for us; requests wait for an unchoke. */
  choked = true
  private redundantHaves = 0

  private constructor (readonly stream: Stream, lp: LengthPrefixedStream, have: Bitfield, private readonly limits: PiecesLimits) {
    this.lp = lp
    this.have = have
  }

  static async open (stream: Stream, cid: CID, opts: ChannelOptions, limits: PiecesLimits = LIMITS): Promise<PieceChannel> {
    // The uploader answers requests only, so at most maxInFlight pieces can be
    // buffered unread: bound the buffer there and anything past it is a violation.
    const maxBuffer = Math.max(MAX_BITFIELD_FRAME, (opts.maxInFlight + 2) * (opts.pieceSize + 16))
    const lp = lpStream(stream, { maxDataLength: Math.max(MAX_PIECE_FRAME, MAX_BITFIELD_FRAME), maxBufferSize: maxBuffer })
    await lp.write(encode({ type: 'hello', cid: withProof(cid.bytes, opts.proof) }), { signal: AbortSignal.timeout(limits.helloTimeoutMs) })
    const first = decode(await lp.read({ signal: AbortSignal.timeout(limits.helloTimeoutMs) }))
    let have: Bitfield
    if (first.type === 'have-all') {
      have = Bitfield.full(opts.pieceCount)
    } else if (first.type === 'bitfield') {
      if (first.size !== opts.pieceCount) throw new ProtocolViolationError(`peer's bitfield has ${first.size} pieces, the manifest ${opts.pieceCount}`)
      try {
        have = new Bitfield(first.size, first.bits)
      } catch (err) {
        throw new ProtocolViolationError(`peer sent a bad bitfield: ${(err as Error).message}`)
      }
    } else if (first.type === 'error') {
      if (first.reason === ErrorReason.NOT_FOUND) throw new ContentNotFoundError(`peer does not share ${cid.toString()}`)
      if (first.reason === ErrorReason.DENIED) throw new AccessDeniedError(`${cid.toString()} is a private share and the peer did not let us in (${first.message})`)
      throw new ProtocolViolationError(`peer refused: ${first.message}`)
    } else {
      throw new ProtocolViolationError(`expected a bitfield, got ${first.type}`)
    }
    const ch = new PieceChannel(stream, lp, have, limits)
    if (opts.mine != null && opts.mine.count() > 0) ch.write({ type: 'bitfield', size: opts.mine.size, bits: opts.mine.bytes })
    return ch
  }

  on<E extends keyof ChannelEvents> (event: E, fn: ChannelEvents[E]): void {
    this.listeners[event] = fn
  }

  /** Starts delivering events; call after the listeners are set. */
  run (): void {
    void this.readLoop()
  }

  request (index: number): void {
    this.write({ type: 'request', index })
  }

  cancel (index: number): void {
    this.write({ type: 'cancel', index })
  }

  /** Tells the uploader we now hold `index`, so it need not show it to us. */
  announce (index: number): void {
    this.write({ type: 'have', index })
  }

  close (err?: Error): void {
    if (this.closed) return
    this.closed = true
    if (err != null) this.stream.abort(err)
    else void this.stream.close().catch(() => {})
    this.listeners.close?.(err)
  }

  get isClosed (): boolean {
    return this.closed
  }

  private write (msg: PieceMessage): void {
    if (this.closed) return
    // Control frames are a few bytes; the write buffer cap bounds the rest.
    // A deadline cleared once written, not AbortSignal.timeout: that one's timer, signal and
    // listener lived the full minute per frame, thousands at a time, and were promoted to the old
    // space only to die there (most of the soak's heap growth).
    const limit = deadline(this.limits.writeTimeoutMs)
    this.lp.write(encode(msg), { signal: limit.signal }).then(limit.clear, err => { limit.clear(); this.close(err as Error) })
  }

  private async readLoop (): Promise<void> {
    try {
      while (!this.closed) {
        const msg = decode(await this.lp.read())
        // Closed while that read was pending (we replaced or dropped this channel): what it
        // brought belongs to nobody, and must not be charged to the peer as unasked for.
        if (this.closed) break
        switch (msg.type) {
          case 'piece':
            this.listeners.piece?.(msg.index, msg.data)
            break
          case 'reject':
            this.listeners.reject?.(msg.index)
            break
          case 'choke':
          case 'unchoke':
            this.choked = msg.type === 'choke'
            this.listeners.choke?.(this.choked)
            break
          case 'error':
            // A private share whose secret was revoked, or whose list dropped us, ends here.
            if (msg.reason === ErrorReason.DENIED) throw new AccessDeniedError(`the peer revoked our access: ${msg.message}`)
            // A seeder whose file changed stops serving it: honest, and no reason to score it down.
            if (msg.reason === ErrorReason.NOT_FOUND) throw new ContentNotFoundError(`the peer no longer shares it: ${msg.message}`)
            throw new ProtocolViolationError(`peer ended the exchange: ${msg.message}`)
          case 'have':
            if (msg.index >= this.have.size) throw new ProtocolViolationError(`have for piece ${msg.index} out of range`)
            // An honest uploader announces each new piece once; a stream of repeats is a flood that would eat our CPU.
            if (this.have.get(msg.index) && ++this.redundantHaves > this.limits.maxRedundantHaves) throw new ProtocolViolationError(`more than ${this.limits.maxRedundantHaves} have frames for pieces it had already announced`)
            this.have.set(msg.index)
            this.listeners.have?.(msg.index)
            break
          default:
            throw new ProtocolViolationError(`unexpected ${msg.type} frame from an uploader`)
        }
      }
    } catch (err) {
      this.close(this.closed ? undefined : err as Error)
    }
  }
}
