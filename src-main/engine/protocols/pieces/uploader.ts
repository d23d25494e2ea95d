import type { Connection, Logger, Stream } from '@libp2p/interface'
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import { CID } from 'multiformats/cid'
import { Uint8ArrayList } from 'uint8arraylist'
import { Bitfield } from '../../../../shared/bitfield.js'
import { ProtocolViolationError, ShareChangedError } from '../../../../shared/errors.js'
import type { ContentLookup, ServedContent } from '../../content/library.js'
import { mayAccess, PROOF_BYTES } from '../../access/share-access.js'
import { deadline } from '../../deadline.js'
import { isViolation } from '../violations.js'
import { LIMITS, MAX_BITFIELD_FRAME, MAX_CONTROL_BUFFER, type PiecesLimits } from './constants.js'
import { decode, encode, ErrorReason, type PieceMessage } from './messages.js'

/** One downloader as the upload policy sees it. */
export interface UploadSlot {
  /** Called by the policy to stop or resume serving this downloader. */
  setChoked: (choked: boolean) => void
  /** Ends the exchange, telling the downloader why (e.g. its access was revoked). */
  deny: (message: string) => void
  /** Ends the exchange because we no longer serve this content (its file changed): not the downloader's doing, nor a refusal. */
  withdraw: (message: string) => void
  /** Shows this downloader one more piece we have (initial seeding shows pieces a few at a time). */
  announce: (index: number) => void
  readonly peerId: string
  readonly cid: string
  readonly pieceCount: number
  /** The pieces the downloader told us it holds. */
  readonly theirs: Bitfield
  /** The access proof it showed for a private share, to check again if the share's access changes. */
  readonly proof?: Uint8Array
}

/**
 * Decides who gets served and how fast: upload slots (choking) and rate
 * limits. The protocol asks it; it never touches the stream itself.
 */
export interface UploadPolicy {
  /** A downloader said hello; returns whether it starts unchoked. */
  open?: (slot: UploadSlot) => boolean
  close?: (slot: UploadSlot) => void
  /**
   * For content we hold whole: the pieces to show this downloader at first, or
   * null (or no hook) to show it everything. Called after `open`.
   */
  advertise?: (slot: UploadSlot) => Bitfield | null
  /** The downloader asked for `index`. */
  requested?: (slot: UploadSlot, index: number) => void
  /** The downloader told us it now holds these pieces (its bitfield, or a have). */
  theyHave?: (slot: UploadSlot, indices: number[]) => void
  /** Resolves when `bytes` may go out to this downloader (rate limits). */
  beforeSend?: (slot: UploadSlot, bytes: number, signal: AbortSignal) => Promise<void>
  /** Called after each piece is sent. */
  uploaded?: (slot: UploadSlot, bytes: number, index: number) => void
}

/**
 * Serves one downloader on one stream: says what we have, whether it is
 * choked, then answers requests in order. Requests are read on their own
 * loop so a cancel can overtake the queue; the queue is capped, so a flood of
 * requests costs a fixed amount of memory and then the stream.
 */
export async function serveUploads (
  stream: Stream,
  connection: Connection,
  content: ContentLookup,
  log: Logger,
  self: string,
  policy: UploadPolicy = {},
  limits: PiecesLimits = LIMITS
): Promise<void> {
  const send = async (l: LengthPrefixedStream, msg: PieceMessage): Promise<void> => { await sendWithin(l, msg, limits.writeTimeoutMs) }
  // Frames from a downloader are a few bytes, but for the one bitfield it may send after hello.
  const lp = lpStream(stream, { maxDataLength: MAX_BITFIELD_FRAME, maxBufferSize: Math.max(MAX_CONTROL_BUFFER, 2 * MAX_BITFIELD_FRAME) })
  const peerId = connection.remotePeer.toString()
  const hello = decode(await lp.read({ signal: AbortSignal.timeout(limits.helloTimeoutMs) }))
  if (hello.type !== 'hello') throw new ProtocolViolationError('first frame must be hello')
  let cid: string
  let rest: Uint8Array
  try {
    const [parsed, after] = CID.decodeFirst(hello.cid)
    cid = parsed.toString()
    rest = after
  } catch {
    throw new ProtocolViolationError('hello carries a bad content ID')
  }
  if (rest.byteLength !== 0 && rest.byteLength !== PROOF_BYTES) throw new ProtocolViolationError('hello carries a malformed access proof')
  const proof = rest.byteLength === 0 ? undefined : rest
  const item = content.get(cid)
  if (item == null) {
    await send(lp, { type: 'error', reason: ErrorReason.NOT_FOUND, message: content.whyGone?.(cid) ?? 'not shared here' })
    await stream.close().catch(() => {})
    return
  }
  if (!mayAccess(item.access, cid, peerId, self, proof)) {
    await send(lp, { type: 'error', reason: ErrorReason.DENIED, message: 'private share: wrong or missing secret, or not on the list' })
    await stream.close().catch(() => {})
    return
  }
  const queue: number[] = []
  let wake: (() => void) | undefined
  let closed = false
  let choked = true
  const stop = new AbortController()
  /** Says NOT_FOUND and ends our side gracefully, so the frame arrives (a reset could discard it unread). */
  const withdraw = async (message: string): Promise<void> => {
    if (closed) return
    closed = true
    queue.length = 0
    stop.abort()
    wake?.()
    await send(lp, { type: 'error', reason: ErrorReason.NOT_FOUND, message }).catch(() => {})
    await stream.close().catch(() => {})
  }
  const theirs = new Bitfield(item.pieceCount)
  let shown: Bitfield | null = null
  const slot: UploadSlot = {
    peerId,
    cid,
    proof,
    pieceCount: item.pieceCount,
    theirs,
    announce: index => {
      if (closed || shown == null || shown.get(index)) return
      shown.set(index)
      void send(lp, { type: 'have', index }).catch(() => {})
    },
    deny: message => {
      if (closed) return
      closed = true
      queue.length = 0
      stop.abort()
      wake?.()
      void send(lp, { type: 'error', reason: ErrorReason.DENIED, message }).finally(() => { stream.abort(new Error(message)) })
    },
    withdraw: message => { void withdraw(message) },
    setChoked: value => {
      if (closed || value === choked) return
      choked = value
      // Requests queued before a choke are dropped: the downloader re-asks after unchoke.
      if (value) queue.length = 0
      void send(lp, { type: value ? 'choke' : 'unchoke' }).catch(() => {})
    }
  }
  choked = !(policy.open?.(slot) ?? true)
  const have = item.have()
  // No await between choosing what to show and sending it: an announce queued meanwhile would overtake it.
  shown = have == null ? policy.advertise?.(slot) ?? null : null
  const first = shown ?? have
  await send(lp, first == null ? { type: 'have-all' } : { type: 'bitfield', size: first.size, bits: first.bytes })
  await send(lp, { type: choked ? 'choke' : 'unchoke' })
  const unsubscribe = item.onHave?.(index => {
    if (!closed) void send(lp, { type: 'have', index }).catch(() => {})
  })

  let sawBitfield = false
  let redundantHaves = 0
  const reader = (async () => {
    try {
      while (true) {
        const idle = deadline(limits.idleTimeoutMs)
        const msg = decode(await lp.read({ signal: idle.signal }).finally(idle.clear))
        if (msg.type === 'request') {
          checkIndex(item, msg.index)
          if (choked) {
            void send(lp, { type: 'reject', index: msg.index }).catch(() => {})
            continue
          }
          if (queue.length >= limits.maxQueuedRequests) throw new ProtocolViolationError(`more than ${limits.maxQueuedRequests} requests queued`)
          queue.push(msg.index)
          policy.requested?.(slot, msg.index)
          wake?.()
        } else if (msg.type === 'cancel') {
          checkIndex(item, msg.index)
          const at = queue.indexOf(msg.index)
          if (at !== -1) queue.splice(at, 1)
        } else if (msg.type === 'bitfield') {
          if (msg.size !== item.pieceCount) throw new ProtocolViolationError(`downloader's bitfield has ${msg.size} pieces, the share ${item.pieceCount}`)
          if (sawBitfield) throw new ProtocolViolationError('a second bitfield from a downloader')
          sawBitfield = true
          let bits: Bitfield
          try {
            bits = new Bitfield(msg.size, msg.bits)
          } catch (err) {
            throw new ProtocolViolationError(`downloader sent a bad bitfield: ${(err as Error).message}`)
          }
          const gained: number[] = []
          for (let i = 0; i < bits.size; i++) if (bits.get(i) && !theirs.get(i)) { theirs.set(i); gained.push(i) }
          policy.theyHave?.(slot, gained)
        } else if (msg.type === 'have') {
          checkIndex(item, msg.index)
          if (theirs.get(msg.index)) {
            if (++redundantHaves > limits.maxRedundantHaves) throw new ProtocolViolationError(`more than ${limits.maxRedundantHaves} have frames for pieces it had already announced`)
            continue
          }
          theirs.set(msg.index)
          policy.theyHave?.(slot, [msg.index])
        } else {
          throw new ProtocolViolationError(`unexpected ${msg.type} frame from a downloader`)
        }
      }
    } finally {
      closed = true
      stop.abort()
      wake?.()
    }
  })()
  // The reader ends by throwing (EOF, timeout, violation); the writer loop below notices `closed`.
  reader.catch(err => { log('upload reader for %p ended: %e', connection.remotePeer, err) })

  // Pieces being read from disk ahead of the one on the wire: several at once, because a piece
  // of many small files is many opens and reads, and one at a time left the wire idle.
  const ahead = new Map<number, Promise<Uint8Array>>()
  const readAhead = (now: Bitfield | null): void => {
    // Cancelled, or dropped by a choke: not worth holding.
    for (const k of ahead.keys()) if (!queue.includes(k)) ahead.delete(k)
    let bytes = 0
    for (const next of queue) {
      if (ahead.size >= MAX_READ_AHEAD || bytes >= READ_AHEAD_BYTES) break
      bytes += item.pieceLength(next)
      if (ahead.has(next) || (now != null && !now.get(next))) continue
      const data = item.readPiece(next)
      data.catch(() => {})
      ahead.set(next, data)
    }
  }
  try {
    while (true) {
      if (queue.length === 0) {
        if (closed) break
        await new Promise<void>(resolve => { wake = resolve })
        wake = undefined
        continue
      }
      const index = queue.shift()!
      const now = item.have()
      if (now != null && !now.get(index)) {
        await send(lp, { type: 'reject', index })
        continue
      }
      const length = item.pieceLength(index)
      await policy.beforeSend?.(slot, length, stop.signal)
      if (closed) break
      // A choke while we waited for tokens drops the request (the queue was cleared).
      if (choked) continue
      const pending = ahead.get(index)
      ahead.delete(index)
      // Read the next pieces from disk while this one is read and sent.
      readAhead(now)
      const data = pending != null ? await pending : await item.readPiece(index)
      if (closed) break
      await send(lp, { type: 'piece', index, data: new Uint8ArrayList(data) })
      policy.uploaded?.(slot, data.byteLength, index)
    }
  } catch (err) {
    // The file under this share changed: its bytes are not the ones hashed, so none go out, and
    // the downloader hears that we no longer have it (the file's path stays here).
    if (err instanceof ShareChangedError) await withdraw(SHARE_CHANGED_MESSAGE)
    else if (!closed) throw err
  } finally {
    closed = true
    unsubscribe?.()
    policy.close?.(slot)
  }
  const ended = await reader.then(() => undefined, (err: unknown) => err)
  await stream.close().catch(() => {})
  // EOF and idle timeouts are how streams end; a flood or a bad frame is the peer's doing, and is reported.
  if (isViolation(ended)) throw ended
}

/** Pieces read ahead per stream at most, and the bytes they may take. */
const MAX_READ_AHEAD = 16
const READ_AHEAD_BYTES = 4 * 1024 * 1024

/** What a downloader is told when a share's file changed under it. */
export const SHARE_CHANGED_MESSAGE = 'no longer shared: the file changed'

function checkIndex (item: ServedContent, index: number): void {
  if (index >= item.pieceCount) throw new ProtocolViolationError(`piece index ${index} out of range`)
}

async function sendWithin (lp: LengthPrefixedStream, msg: PieceMessage, timeoutMs: number): Promise<void> {
  // A piece goes out as a list (header + the buffer read from disk): no copy.
  // Cleared once written: an AbortSignal.timeout per frame lived the full timeout (see PieceChannel.write).
  const limit = deadline(timeoutMs)
  try {
    await lp.write(encode(msg), { signal: limit.signal })
  } finally {
    limit.clear()
  }
}
