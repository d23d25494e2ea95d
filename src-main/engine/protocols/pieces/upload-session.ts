import type { Logger, PeerId, Stream } from '@libp2p/interface'
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import { CID } from 'multiformats/cid'
import { Uint8ArrayList } from 'uint8arraylist'
import { Bitfield } from '../../../../shared/bitfield.js'
import { ProtocolViolationError, ShareChangedError } from '../../../../shared/errors.js'
import type { ContentLookup, ServedContent } from '../../content/library.js'
import { mayAccess, PROOF_BYTES } from '../../access/share-access.js'
import { deadline } from '../../base/deadline.js'
import { isViolation } from '../violations.js'
import { LIMITS, MAX_BITFIELD_FRAME, MAX_CONTROL_BUFFER, type PiecesLimits } from './constants.js'
import { decode, encode, ErrorReason, type PieceMessage } from './messages.js'
import { ReadAhead } from './read-ahead.js'
import { SHARE_CHANGED_MESSAGE, type UploadPolicy, type UploadSlot } from './uploader.js'

export interface UploadSessionInit {
  /** An inbound piece-exchange stream: the downloader speaks first. */
  stream: Stream
  /** The downloader at the other end. */
  remotePeer: PeerId
  content: ContentLookup
  /** Our own peer ID: a private share's access proof is bound to it. */
  self: string
  log: Logger
  policy?: UploadPolicy
  limits?: PiecesLimits
}

/**
 * Serves one downloader on one stream: says what we have, whether it is
 * choked, then answers requests in order. Requests are read on their own
 * loop so a cancel can overtake the queue; the queue is capped, so a flood of
 * requests costs a fixed amount of memory and then the stream.
 */
export class UploadSession {
  private readonly stream: Stream
  private readonly remotePeer: PeerId
  private readonly content: ContentLookup
  private readonly self: string
  private readonly log: Logger
  private readonly policy: UploadPolicy
  private readonly limits: PiecesLimits
  private readonly lp: LengthPrefixedStream
  /** Set once the hello named content we serve to this peer; no frame handler runs before. */
  private item!: ServedContent
  private slot!: UploadSlot
  private reads!: ReadAhead
  /** Pieces asked for and not yet sent, in order. */
  private readonly queue: number[] = []
  /** Wakes the writer waiting on an empty queue. */
  private wake?: () => void
  private closed = false
  private choked = true
  /** Aborts a wait for rate-limit tokens once the session ends. */
  private readonly stop = new AbortController()
  /** What initial seeding has shown this downloader so far; null when it was shown all we have. */
  private shown: Bitfield | null = null
  private unsubscribe?: () => void
  private sawBitfield = false
  private redundantHaves = 0

  constructor (init: UploadSessionInit) {
    this.stream = init.stream
    this.remotePeer = init.remotePeer
    this.content = init.content
    this.self = init.self
    this.log = init.log
    this.policy = init.policy ?? {}
    this.limits = init.limits ?? LIMITS
    // Frames from a downloader are a few bytes, but for the one bitfield it may send after hello.
    this.lp = lpStream(init.stream, { maxDataLength: MAX_BITFIELD_FRAME, maxBufferSize: Math.max(MAX_CONTROL_BUFFER, 2 * MAX_BITFIELD_FRAME) })
  }

  /**
   * Serves the stream until either side ends it. Resolves when it ended the way streams
   * end (EOF, idle timeout, a refusal); rejects with the violation when the downloader
   * broke the protocol, or with the error that broke the stream.
   */
  async run (): Promise<void> {
    if (!await this.admit()) return
    await this.greet()
    const reader = this.readFrames()
    // The reader ends by throwing (EOF, timeout, violation); the writer notices `closed`.
    reader.catch(err => { this.log('upload reader for %p ended: %e', this.remotePeer, err) })
    await this.serveQueue()
    const ended = await reader.then(() => undefined, (err: unknown) => err)
    await this.stream.close().catch(() => {})
    // EOF and idle timeouts are how streams end; a flood or a bad frame is the peer's doing, and is reported.
    if (isViolation(ended)) throw ended
  }

  /** Reads the hello; false when we refused the downloader (and said why). */
  private async admit (): Promise<boolean> {
    const hello = decode(await this.lp.read({ signal: AbortSignal.timeout(this.limits.helloTimeoutMs) }))
    if (hello.type !== 'hello') throw new ProtocolViolationError('first frame must be hello')
    const { cid, proof } = parseHello(hello.cid)
    const item = this.content.get(cid)
    if (item == null) {
      await this.send({ type: 'error', reason: ErrorReason.NOT_FOUND, message: this.content.whyGone?.(cid) ?? 'not shared here' })
      await this.stream.close().catch(() => {})
      return false
    }
    const peerId = this.remotePeer.toString()
    if (!mayAccess(item.access, cid, peerId, this.self, proof)) {
      await this.send({ type: 'error', reason: ErrorReason.DENIED, message: 'private share: wrong or missing secret, or not on the list' })
      await this.stream.close().catch(() => {})
      return false
    }
    this.item = item
    this.slot = this.slotFor(peerId, cid, proof)
    this.reads = new ReadAhead(item)
    return true
  }

  /** The downloader as the upload policy sees and steers it. */
  private slotFor (peerId: string, cid: string, proof: Uint8Array | undefined): UploadSlot {
    return {
      peerId,
      cid,
      proof,
      pieceCount: this.item.pieceCount,
      theirs: new Bitfield(this.item.pieceCount),
      announce: index => { this.announce(index) },
      deny: message => { this.deny(message) },
      withdraw: message => { void this.withdraw(message) },
      setChoked: value => { this.setChoked(value) }
    }
  }

  /** Opens the slot, says what we have and whether the downloader is choked, and follows our new pieces. */
  private async greet (): Promise<void> {
    this.choked = !(this.policy.open?.(this.slot) ?? true)
    const have = this.item.have()
    // No await between choosing what to show and sending it: an announce queued meanwhile would overtake it.
    this.shown = have == null ? this.policy.advertise?.(this.slot) ?? null : null
    const first = this.shown ?? have
    await this.send(first == null ? { type: 'have-all' } : { type: 'bitfield', size: first.size, bits: first.bytes })
    await this.send({ type: this.choked ? 'choke' : 'unchoke' })
    this.unsubscribe = this.item.onHave?.(index => {
      if (!this.closed) void this.send({ type: 'have', index }).catch(() => {})
    })
  }

  /** Reads frames until EOF, the idle timeout or a violation, each of which it throws. */
  private async readFrames (): Promise<void> {
    try {
      while (true) {
        const idle = deadline(this.limits.idleTimeoutMs)
        this.dispatch(decode(await this.lp.read({ signal: idle.signal }).finally(idle.clear)))
      }
    } finally {
      this.closed = true
      this.stop.abort()
      this.wake?.()
    }
  }

  private dispatch (msg: PieceMessage): void {
    switch (msg.type) {
      case 'request': this.onRequest(msg.index); break
      case 'cancel': this.onCancel(msg.index); break
      case 'bitfield': this.onBitfield(msg.size, msg.bits); break
      case 'have': this.onHave(msg.index); break
      default: throw new ProtocolViolationError(`unexpected ${msg.type} frame from a downloader`)
    }
  }

  private onRequest (index: number): void {
    this.checkIndex(index)
    if (this.choked) {
      void this.send({ type: 'reject', index }).catch(() => {})
      return
    }
    if (this.queue.length >= this.limits.maxQueuedRequests) throw new ProtocolViolationError(`more than ${this.limits.maxQueuedRequests} requests queued`)
    this.queue.push(index)
    this.policy.requested?.(this.slot, index)
    this.wake?.()
  }

  private onCancel (index: number): void {
    this.checkIndex(index)
    const at = this.queue.indexOf(index)
    if (at !== -1) this.queue.splice(at, 1)
  }

  /** The pieces the downloader holds, sent once right after hello. */
  private onBitfield (size: number, bytes: Uint8Array): void {
    if (size !== this.item.pieceCount) throw new ProtocolViolationError(`downloader's bitfield has ${size} pieces, the share ${this.item.pieceCount}`)
    if (this.sawBitfield) throw new ProtocolViolationError('a second bitfield from a downloader')
    this.sawBitfield = true
    let bits: Bitfield
    try {
      bits = new Bitfield(size, bytes)
    } catch (err) {
      throw new ProtocolViolationError(`downloader sent a bad bitfield: ${(err as Error).message}`)
    }
    const { theirs } = this.slot
    const gained: number[] = []
    for (let i = 0; i < bits.size; i++) if (bits.get(i) && !theirs.get(i)) { theirs.set(i); gained.push(i) }
    this.policy.theyHave?.(this.slot, gained)
  }

  private onHave (index: number): void {
    this.checkIndex(index)
    const { theirs } = this.slot
    if (theirs.get(index)) {
      if (++this.redundantHaves > this.limits.maxRedundantHaves) throw new ProtocolViolationError(`more than ${this.limits.maxRedundantHaves} have frames for pieces it had already announced`)
      return
    }
    theirs.set(index)
    this.policy.theyHave?.(this.slot, [index])
  }

  private checkIndex (index: number): void {
    if (index >= this.item.pieceCount) throw new ProtocolViolationError(`piece index ${index} out of range`)
  }

  /** Answers the queue in order until the session closes; a share whose file changed is withdrawn. */
  private async serveQueue (): Promise<void> {
    try {
      while (true) {
        if (this.queue.length === 0) {
          if (this.closed) break
          await new Promise<void>(resolve => { this.wake = resolve })
          this.wake = undefined
          continue
        }
        if (!await this.serve(this.queue.shift()!)) break
      }
    } catch (err) {
      // The file under this share changed: its bytes are not the ones hashed, so none go out, and
      // the downloader hears that we no longer have it (the file's path stays here).
      if (err instanceof ShareChangedError) await this.withdraw(SHARE_CHANGED_MESSAGE)
      else if (!this.closed) throw err
    } finally {
      this.closed = true
      this.unsubscribe?.()
      this.policy.close?.(this.slot)
    }
  }

  /** Sends one requested piece, or rejects it if we no longer hold it; false when the session closed meanwhile. */
  private async serve (index: number): Promise<boolean> {
    const now = this.item.have()
    if (now != null && !now.get(index)) {
      await this.send({ type: 'reject', index })
      return true
    }
    await this.policy.beforeSend?.(this.slot, this.item.pieceLength(index), this.stop.signal)
    if (this.closed) return false
    // A choke while we waited for tokens drops the request (the queue was cleared).
    if (this.choked) return true
    const pending = this.reads.take(index)
    // Read the next pieces from disk while this one is read and sent.
    this.reads.fill(this.queue, now)
    const data = pending != null ? await pending : await this.item.readPiece(index)
    if (this.closed) return false
    await this.send({ type: 'piece', index, data: new Uint8ArrayList(data) })
    this.policy.uploaded?.(this.slot, data.byteLength, index)
    return true
  }

  /** UploadSlot.setChoked: requests queued before a choke are dropped; the downloader re-asks after unchoke. */
  private setChoked (value: boolean): void {
    if (this.closed || value === this.choked) return
    this.choked = value
    if (value) this.queue.length = 0
    void this.send({ type: value ? 'choke' : 'unchoke' }).catch(() => {})
  }

  /** UploadSlot.announce: shows the downloader one more piece, once. */
  private announce (index: number): void {
    if (this.closed || this.shown == null || this.shown.get(index)) return
    this.shown.set(index)
    void this.send({ type: 'have', index }).catch(() => {})
  }

  /** UploadSlot.deny: says DENIED and resets the stream. */
  private deny (message: string): void {
    if (this.closed) return
    this.end()
    void this.send({ type: 'error', reason: ErrorReason.DENIED, message }).finally(() => { this.stream.abort(new Error(message)) })
  }

  /** Says NOT_FOUND and ends our side gracefully, so the frame arrives (a reset could discard it unread). */
  private async withdraw (message: string): Promise<void> {
    if (this.closed) return
    this.end()
    await this.send({ type: 'error', reason: ErrorReason.NOT_FOUND, message }).catch(() => {})
    await this.stream.close().catch(() => {})
  }

  /** Stops serving at once: nothing queued goes out, and the writer and any rate-limit wait let go. */
  private end (): void {
    this.closed = true
    this.queue.length = 0
    this.stop.abort()
    this.wake?.()
  }

  private async send (msg: PieceMessage): Promise<void> {
    // A piece goes out as a list (header + the buffer read from disk): no copy.
    // Cleared once written: an AbortSignal.timeout per frame lived the full timeout (see PieceChannel.write).
    const limit = deadline(this.limits.writeTimeoutMs)
    try {
      await this.lp.write(encode(msg), { signal: limit.signal })
    } finally {
      limit.clear()
    }
  }
}

/** The content ID a hello names, and the access proof that may follow it. */
function parseHello (bytes: Uint8Array): { cid: string, proof: Uint8Array | undefined } {
  let cid: string
  let rest: Uint8Array
  try {
    const [parsed, after] = CID.decodeFirst(bytes)
    cid = parsed.toString()
    rest = after
  } catch {
    throw new ProtocolViolationError('hello carries a bad content ID')
  }
  if (rest.byteLength !== 0 && rest.byteLength !== PROOF_BYTES) throw new ProtocolViolationError('hello carries a malformed access proof')
  return { cid, proof: rest.byteLength === 0 ? undefined : rest }
}
