export const PROTOCOL = '/swarmdrop/pex/1.0.0'

export const LIMITS = {
  /** BitTorrent's PEX sends at most 50 peers a message: enough to join a swarm, too few to flood it. */
  maxPeers: 50,
  /** Addresses per peer past this are noise (and a way to make us dial junk). */
  maxAddrsPerPeer: 8,
  /** The request is one CID. */
  maxRequestBytes: 128,
  /** 50 peers of 8 addresses each, with room to spare. */
  maxResponseBytes: 64 * 1024,
  timeoutMs: 10_000,
  maxInboundStreams: 16,
  maxOutboundStreams: 16
} as const

export type PexLimits = { -readonly [K in keyof typeof LIMITS]: number }
