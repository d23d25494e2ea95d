import type { Connection, PeerId } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { encodeJson, parseJson, RequestResponseService, type ProtocolInit, type RequestResponseComponents } from '../request-response.js'
import { DIAL_BACK_TIMEOUT_MS, LIMITS, MAX_REQUESTS_PER_WINDOW, PROTOCOL, type DialBackLimits } from './constants.js'
import { answerSchema, requestSchema, type DialBackAnswer, type DialBackResult } from './messages.js'

export interface DialBackInit extends ProtocolInit<DialBackLimits> {
  /** A hub serves dial-backs; every other node only asks. */
  serve: boolean
}

/**
 * What a hub may dial for `requester`: a plain TCP address on the very IP the
 * request came from (`observed`), nothing else. The IP rule keeps a hub from
 * being a port scanner or a dial amplifier aimed at somebody else's host, as
 * AutoNAT v2 keeps it; the asker learns only about its own ports.
 */
export function screenCandidate (addr: string, observed: Multiaddr, requester: string): { dial: Multiaddr } | { reason: string } {
  let ma: Multiaddr
  try { ma = multiaddr(addr) } catch { return { reason: 'not a multiaddr' } }
  const parts = ma.getComponents()
  const [ip, tcp, p2p, ...rest] = parts
  if (ip == null || (ip.name !== 'ip4' && ip.name !== 'ip6') || tcp?.name !== 'tcp' || rest.length > 0) return { reason: 'only /ip4|ip6/…/tcp/… addresses are dialled back' }
  if (p2p != null && (p2p.name !== 'p2p' || p2p.value !== requester)) return { reason: 'names another peer' }
  const port = Number(tcp.value)
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { reason: 'no such port' }
  const seen = observed.getComponents()[0]
  if (seen == null || seen.value !== ip.value) return { reason: `not the IP the request came from (${seen?.value ?? 'unknown'})` }
  return { dial: multiaddr(`/${ip.name}/${ip.value}/tcp/${port}/p2p/${requester}`) }
}

/**
 * Dial-back, the hub's half of "how can the internet reach me": a peer names
 * addresses it believes are its own; the hub opens a fresh connection to each
 * (the handshake proves the same peer answered, so a mismatch is never
 * trusted), closes it, and says which worked. libp2p's AutoNAT wants such
 * answers from several /8 networks; a hub the user configured is trusted alone.
 */
export class DialBackService extends RequestResponseService<DialBackLimits> {
  constructor (components: RequestResponseComponents, init: DialBackInit) {
    super(components, { protocol: PROTOCOL, defaults: LIMITS, logName: 'swarmdrop:dialback', serve: init.serve, maxRequestsPerWindow: MAX_REQUESTS_PER_WINDOW }, init)
  }

  protected async respond (request: Uint8Array, peer: PeerId, connection: Connection): Promise<Uint8Array> {
    const req = parseJson(request, requestSchema, 'dial-back request')
    const observed = connection.remoteAddr
    const requester = peer.toString()
    const results = await Promise.all(req.addrs.slice(0, this.limits.maxAddrs).map(async (addr): Promise<DialBackResult> => {
      // A relayed request has no IP of the asker's to dial back.
      if (connection.limits != null) return { addr, ok: false, reason: 'asked over a relayed connection' }
      const screened = screenCandidate(addr, observed, requester)
      if ('reason' in screened) return { addr, ok: false, reason: screened.reason }
      return await this.dialBack(addr, screened.dial)
    }))
    this.log('dial-back for %p from %a: %d of %d answered', peer, observed, results.filter(r => r.ok).length, results.length)
    const answer: DialBackAnswer = { observed: observed.decapsulateCode(421).toString(), results }
    return encodeJson(answer)
  }

  private async dialBack (addr: string, target: Multiaddr): Promise<DialBackResult> {
    try {
      // force: a new connection even though the asker is connected to us already.
      const conn = await this.components.connectionManager.openConnection(target, { force: true, signal: AbortSignal.timeout(DIAL_BACK_TIMEOUT_MS) })
      await conn.close().catch(() => {})
      return { addr, ok: true }
    } catch (err) {
      return { addr, ok: false, reason: (err as Error).message.slice(0, 300) }
    }
  }

  /** Asks `hub` to dial us back at `addrs`. */
  async check (hub: PeerId, addrs: readonly string[], options: { signal?: AbortSignal } = {}): Promise<DialBackAnswer> {
    const body = encodeJson({ addrs: addrs.slice(0, this.limits.maxAddrs) })
    return parseJson(await this.ask(hub, body, options), answerSchema, 'dial-back answer')
  }
}

export function dialBackService (init: DialBackInit): (components: RequestResponseComponents) => DialBackService {
  return components => new DialBackService(components, init)
}
