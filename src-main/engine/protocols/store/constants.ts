export const PROTOCOL = '/swarmdrop/store/1.0.0'

export const LIMITS = {
  /**
   * A push is answered once the hub holds every piece, so the exchange lasts
   * as long as the upload: 30 minutes carries ~2 GB over a slow 10 Mbit/s link.
   */
  timeoutMs: 30 * 60 * 1000,
  /** The request is one CID. */
  maxRequestBytes: 256,
  /** The answer is a byte count or a refusal with a short reason. */
  maxResponseBytes: 4096,
  /** Pushes a hub runs at once; more wait their turn in the pusher's retry. */
  maxInboundStreams: 4,
  maxOutboundStreams: 2
} as const

export type StoreProtocolLimits = { -readonly [K in keyof typeof LIMITS]: number }
