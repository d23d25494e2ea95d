export const PROTOCOL = '/swarmdrop/tracker/1.0.0'
/**
 * An announcement lives this long unless renewed. Clients renew every
 * ANNOUNCE_EVERY_MS, so a peer that went away drops out within half an hour,
 * like a BitTorrent tracker's interval.
 */
export const ANNOUNCE_TTL_MS = 30 * 60 * 1000
export const ANNOUNCE_EVERY_MS = 10 * 60 * 1000
/** Holders remembered per CID and CIDs in all: the tracker's memory stays bounded under abuse. */
export const MAX_PEERS_PER_CID = 500
export const MAX_ENTRIES = 200_000

export const LIMITS = {
  /** CIDs per announcement: a big library is announced in several requests. */
  maxCidsPerAnnounce: 500,
  /** Peers returned per lookup, as many as a download would ever dial at once. */
  maxPeersPerLookup: 50,
  /** Addresses per peer past this are noise (and a way to make us dial junk). */
  maxAddrsPerPeer: 8,
  /** 500 CIDs of ~60 characters each fit with room to spare. */
  maxRequestBytes: 64 * 1024,
  maxResponseBytes: 64 * 1024,
  timeoutMs: 10_000,
  /** A hub answers many clients at once; a client asks a few hubs. */
  maxInboundStreams: 32,
  maxOutboundStreams: 8
} as const

export type TrackerLimits = { -readonly [K in keyof typeof LIMITS]: number }
