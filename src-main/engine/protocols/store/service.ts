import type { PeerId } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import { ErrorCodes, isSwarmdropError, SwarmdropError, type ErrorCode } from '../../../../shared/errors.js'
import { encodeJson, parseJson, RequestResponseService, type ProtocolInit, type RequestResponseComponents } from '../request-response.js'
import { LIMITS, PROTOCOL, type StoreProtocolLimits } from './constants.js'
import { answerSchema } from './messages.js'

export interface StoreInit extends ProtocolInit<StoreProtocolLimits> {
  /**
   * Present on a hub with a store: fetch `cid` from `pusher` (checking the
   * allow-list and quotas first) and keep serving it. Absent: client only.
   */
  accept?: (cid: CID, pusher: PeerId, signal: AbortSignal) => Promise<{ bytes: number }>
}

/**
 * Push to a hub's store: "please keep a copy of this CID". The hub pulls the
 * pieces from the pusher over the ordinary piece protocol, verifying every
 * one, so a push can never place unverified bytes on the hub.
 */
export class StoreService extends RequestResponseService<StoreProtocolLimits> {
  constructor (components: RequestResponseComponents, private readonly init: StoreInit) {
    super(components, { protocol: PROTOCOL, defaults: LIMITS, logName: 'swarmdrop:store', serve: init.accept != null }, init)
  }

  protected async respond (request: Uint8Array, peer: PeerId): Promise<Uint8Array> {
    let cid: CID
    try { cid = CID.decode(request) } catch { return encodeJson({ ok: false, code: ErrorCodes.INVALID_CID, message: 'push request is not a CID' }) }
    try {
      const { bytes } = await this.init.accept!(cid, peer, AbortSignal.timeout(this.limits.timeoutMs))
      return encodeJson({ ok: true, bytes })
    } catch (err) {
      const e = isSwarmdropError(err) ? err : null
      this.log('push of %s from %p refused: %s', cid, peer, (err as Error).message)
      return encodeJson({ ok: false, code: e?.code ?? ErrorCodes.INTERNAL, message: (err as Error).message.slice(0, 1000) })
    }
  }

  /** Asks `hub` to keep `cid`; resolves once it holds every piece, or throws the hub's reason. */
  async push (hub: PeerId, cid: CID, options: { signal?: AbortSignal } = {}): Promise<number> {
    const answer = parseJson(await this.ask(hub, cid.bytes, options), answerSchema, 'store answer')
    if (!answer.ok) throw new SwarmdropError((Object.values(ErrorCodes) as string[]).includes(answer.code) ? answer.code as ErrorCode : ErrorCodes.INTERNAL, `the hub refused the push: ${answer.message}`)
    return answer.bytes
  }
}

export function storeService (init: StoreInit): (components: RequestResponseComponents) => StoreService {
  return components => new StoreService(components, init)
}
