import { createSocket, type Socket } from 'node:dgram'
import { isIPv4 } from 'node:net'
import { log } from '../base/log.js'

const logger = log('stun')

/** RFC 5389: every message carries this after its type and length. */
const MAGIC_COOKIE = 0x2112a442
const HEADER_BYTES = 20
const BINDING_REQUEST = 0x0001
const BINDING_RESPONSE = 0x0101
const XOR_MAPPED_ADDRESS = 0x0020
/** A binding request has no business being larger (RFC 5389 keeps messages under the 576-byte IPv4 minimum). */
const MAX_REQUEST_BYTES = 548

/**
 * The 12-byte transaction ID of a well-formed STUN binding request, or null
 * for anything else (which is dropped without an answer: a reflector must not
 * answer what it does not understand).
 */
export function parseBindingRequest (msg: Uint8Array): Uint8Array | null {
  if (msg.byteLength < HEADER_BYTES || msg.byteLength > MAX_REQUEST_BYTES) return null
  const view = new DataView(msg.buffer, msg.byteOffset, msg.byteLength)
  const type = view.getUint16(0)
  const length = view.getUint16(2)
  if (type !== BINDING_REQUEST || view.getUint32(4) !== MAGIC_COOKIE) return null
  if (length !== msg.byteLength - HEADER_BYTES || length % 4 !== 0) return null
  return msg.slice(8, 20)
}

/** A binding response telling the asker the IPv4 address and port its request came from. */
export function bindingResponse (transactionId: Uint8Array, address: string, port: number): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + 12)
  const view = new DataView(out.buffer)
  view.setUint16(0, BINDING_RESPONSE)
  view.setUint16(2, 12)
  view.setUint32(4, MAGIC_COOKIE)
  out.set(transactionId, 8)
  view.setUint16(20, XOR_MAPPED_ADDRESS)
  view.setUint16(22, 8)
  view.setUint8(25, 0x01)
  view.setUint16(26, port ^ (MAGIC_COOKIE >>> 16))
  const ip = address.split('.').reduce((n, part) => (n << 8) + Number(part), 0) >>> 0
  view.setUint32(28, (ip ^ MAGIC_COOKIE) >>> 0)
  return out
}

/**
 * A STUN binding server on the hub, on the UDP port of the same number as its
 * TCP port: peers behind NATs learn the address their router gives their UDP
 * traffic, which WebRTC's ICE needs to punch through both routers. It
 * answers binding requests and nothing else (no TURN: the hub's circuit relay
 * already carries what cannot go direct).
 */
export class StunServer {
  private socket?: Socket

  constructor (private readonly host: string, private readonly port: number) {}

  async start (): Promise<void> {
    const socket = createSocket({ type: 'udp4', reuseAddr: false })
    socket.on('message', (msg, rinfo) => {
      const id = parseBindingRequest(msg)
      if (id == null || !isIPv4(rinfo.address)) return
      socket.send(bindingResponse(id, rinfo.address, rinfo.port), rinfo.port, rinfo.address)
    })
    socket.on('error', err => { logger('STUN socket: %s', err.message) })
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(this.port, this.host, () => { socket.off('error', reject); resolve() })
    })
    this.socket = socket
    logger('STUN on udp %s:%d', this.host, this.port)
  }

  stop (): void {
    this.socket?.close()
    this.socket = undefined
  }
}
