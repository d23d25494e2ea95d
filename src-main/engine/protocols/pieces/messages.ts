import { Uint8ArrayList } from 'uint8arraylist'
import { ProtocolViolationError } from '../../../../shared/errors.js'
import { MAX_PIECES } from '../../../../shared/manifest.js'
import { MAX_ERROR_TEXT, PIECE_HEADER_BYTES } from './constants.js'

/**
 * The piece-exchange frames. Binary, because a piece frame is megabytes and
 * must pass through without being copied or re-encoded. Every decoder checks
 * length exactly: a frame with trailing bytes is as wrong as a short one.
 */
export const MessageType = {
  HELLO: 1,
  BITFIELD: 2,
  HAVE_ALL: 3,
  HAVE: 4,
  REQUEST: 5,
  CANCEL: 6,
  REJECT: 7,
  PIECE: 8,
  ERROR: 9,
  CHOKE: 10,
  UNCHOKE: 11
} as const

export const ErrorReason = {
  NOT_FOUND: 1,
  REFUSED: 2,
  INTERNAL: 3,
  /** A private share, and this peer may not have it. */
  DENIED: 4
} as const

export type PieceMessage =
  | { type: 'hello', cid: Uint8Array }
  | { type: 'bitfield', size: number, bits: Uint8Array }
  | { type: 'have-all' }
  | { type: 'have', index: number }
  | { type: 'request', index: number }
  | { type: 'cancel', index: number }
  | { type: 'reject', index: number }
  | { type: 'piece', index: number, data: Uint8ArrayList }
  | { type: 'error', reason: number, message: string }
  | { type: 'choke' }
  | { type: 'unchoke' }

export function encode (msg: PieceMessage): Uint8Array | Uint8ArrayList {
  switch (msg.type) {
    case 'hello': return concat(MessageType.HELLO, msg.cid)
    case 'bitfield': {
      const out = new Uint8Array(5 + msg.bits.byteLength)
      out[0] = MessageType.BITFIELD
      new DataView(out.buffer).setUint32(1, msg.size)
      out.set(msg.bits, 5)
      return out
    }
    case 'have-all': return Uint8Array.of(MessageType.HAVE_ALL)
    case 'choke': return Uint8Array.of(MessageType.CHOKE)
    case 'unchoke': return Uint8Array.of(MessageType.UNCHOKE)
    case 'have': return indexFrame(MessageType.HAVE, msg.index)
    case 'request': return indexFrame(MessageType.REQUEST, msg.index)
    case 'cancel': return indexFrame(MessageType.CANCEL, msg.index)
    case 'reject': return indexFrame(MessageType.REJECT, msg.index)
    case 'piece': return new Uint8ArrayList(indexFrame(MessageType.PIECE, msg.index), msg.data)
    case 'error': return concat(MessageType.ERROR, Uint8Array.of(msg.reason), new TextEncoder().encode(msg.message.slice(0, MAX_ERROR_TEXT)))
  }
}

export function decode (frame: Uint8ArrayList | Uint8Array): PieceMessage {
  const list = frame instanceof Uint8ArrayList ? frame : new Uint8ArrayList(frame)
  if (list.byteLength < 1) throw violation('empty frame')
  const type = list.get(0)
  switch (type) {
    case MessageType.HELLO: {
      const cid = list.subarray(1)
      // A CID (~36 bytes) and, for a private share, a 32-byte access proof.
      if (cid.byteLength < 4 || cid.byteLength > 128) throw violation('hello with a bad content ID')
      return { type: 'hello', cid }
    }
    case MessageType.BITFIELD: {
      if (list.byteLength < 5) throw violation('short bitfield')
      const size = list.getUint32(1)
      if (size > MAX_PIECES) throw violation('bitfield too large')
      if (list.byteLength !== 5 + Math.ceil(size / 8)) throw violation('bitfield length does not match its size')
      return { type: 'bitfield', size, bits: list.subarray(5) }
    }
    case MessageType.HAVE_ALL:
      if (list.byteLength !== 1) throw violation('have-all with a payload')
      return { type: 'have-all' }
    case MessageType.CHOKE:
      if (list.byteLength !== 1) throw violation('choke with a payload')
      return { type: 'choke' }
    case MessageType.UNCHOKE:
      if (list.byteLength !== 1) throw violation('unchoke with a payload')
      return { type: 'unchoke' }
    case MessageType.HAVE: return { type: 'have', index: readIndex(list) }
    case MessageType.REQUEST: return { type: 'request', index: readIndex(list) }
    case MessageType.CANCEL: return { type: 'cancel', index: readIndex(list) }
    case MessageType.REJECT: return { type: 'reject', index: readIndex(list) }
    case MessageType.PIECE: {
      if (list.byteLength < PIECE_HEADER_BYTES) throw violation('short piece frame')
      return { type: 'piece', index: list.getUint32(1), data: list.sublist(PIECE_HEADER_BYTES) }
    }
    case MessageType.ERROR: {
      if (list.byteLength < 2 || list.byteLength > 2 + MAX_ERROR_TEXT * 4) throw violation('bad error frame')
      const message = new TextDecoder('utf-8', { fatal: false }).decode(list.subarray(2)).slice(0, MAX_ERROR_TEXT)
      return { type: 'error', reason: list.get(1), message }
    }
    default:
      throw violation(`unknown frame type ${type}`)
  }
}

function readIndex (list: Uint8ArrayList): number {
  if (list.byteLength !== 5) throw violation('frame must be exactly 5 bytes')
  return list.getUint32(1)
}

function indexFrame (type: number, index: number): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) throw new RangeError(`bad piece index ${index}`)
  const out = new Uint8Array(5)
  out[0] = type
  new DataView(out.buffer).setUint32(1, index)
  return out
}

function concat (type: number, ...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(1 + parts.reduce((n, p) => n + p.byteLength, 0))
  out[0] = type
  let o = 1
  for (const p of parts) { out.set(p, o); o += p.byteLength }
  return out
}

function violation (what: string): ProtocolViolationError {
  return new ProtocolViolationError(`peer sent a bad frame: ${what}`)
}
