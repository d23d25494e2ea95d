export const PROTOCOL = '/swarmdrop/pex/1.0.0'
/** BitTorrent's PEX sends at most 50 peers a message: enough to join a swarm, too few to flood it. */
export const MAX_PEERS = 50
/** Addresses per peer past this are noise (and a way to make us dial junk). */
export const MAX_ADDRS_PER_PEER = 8
export const MAX_REQUEST_BYTES = 128
export const MAX_RESPONSE_BYTES = 64 * 1024
export const TIMEOUT_MS = 10_000
export const MAX_INBOUND_STREAMS = 16
export const MAX_OUTBOUND_STREAMS = 16
