export const PROTOCOL = '/swarmdrop/catalog/1.0.0'

export const LIMITS = {
  /** 2,000 entries of a few hundred bytes: a big library, still one frame. */
  maxEntries: 2_000,
  maxResponseBytes: 1024 * 1024,
  /** The request carries nothing yet (a capability secret later). */
  maxRequestBytes: 1024,
  /** Long enough for a megabyte answer over a relay. */
  timeoutMs: 15_000,
  /** A catalog is asked for when a user joins by peer ID: a few at once is plenty. */
  maxInboundStreams: 8,
  maxOutboundStreams: 8
} as const

export type CatalogLimits = { -readonly [K in keyof typeof LIMITS]: number }
