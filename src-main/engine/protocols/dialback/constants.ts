export const PROTOCOL = '/swarmdrop/dialback/1.0.0'

export const LIMITS = {
  /** Addresses checked per request: a host has a listen address or two per interface, a mapped port and an observed one. */
  maxAddrs: 8,
  maxRequestBytes: 8 * 1024,
  maxResponseBytes: 16 * 1024,
  /**
   * Each dial-back gets DIAL_BACK_TIMEOUT_MS and they run side by side; the whole
   * exchange allows for a handshake on a loaded hub on top.
   */
  timeoutMs: 15_000,
  /** Every peer of a hub asks now and then; nobody asks a few hubs at once. */
  maxInboundStreams: 16,
  maxOutboundStreams: 4
} as const

export type DialBackLimits = { -readonly [K in keyof typeof LIMITS]: number }

/**
 * A dial to an address that works answers within a round trip and a
 * handshake; a NAT that drops the SYN never answers, so this is how long
 * "not reachable" takes to say.
 */
export const DIAL_BACK_TIMEOUT_MS = 5_000

/**
 * Dial-backs one peer may ask for per window: each costs the hub up to
 * maxAddrs outbound dials, so the base class's request budget (meant for
 * cheap lookups) is far too generous here. A node re-checks every few minutes.
 */
export const MAX_REQUESTS_PER_WINDOW = 4
