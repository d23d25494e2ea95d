export const PROTOCOL = '/swarmdrop/tracker/1.0.0'
/**
 * An announcement lives this long unless renewed. Clients renew every
 * ANNOUNCE_EVERY_MS, so a peer that went away drops out within half an hour,
 * like a BitTorrent tracker's interval.
 */
export const ANNOUNCE_TTL_MS = 30 * 60 * 1000
export const ANNOUNCE_EVERY_MS = 10 * 60 * 1000
/** CIDs per announcement: a big library is announced in several requests. */
export const MAX_CIDS_PER_ANNOUNCE = 500
/** Peers returned per lookup, as many as a download would ever dial at once. */
export const MAX_PEERS_PER_LOOKUP = 50
export const MAX_ADDRS_PER_PEER = 8
/** Holders remembered per CID and CIDs in all: the tracker's memory stays bounded under abuse. */
export const MAX_PEERS_PER_CID = 500
export const MAX_ENTRIES = 200_000
export const MAX_REQUEST_BYTES = 64 * 1024
export const MAX_RESPONSE_BYTES = 64 * 1024
export const TIMEOUT_MS = 10_000
export const MAX_INBOUND_STREAMS = 32
export const MAX_OUTBOUND_STREAMS = 8
