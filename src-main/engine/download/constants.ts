/** Fewest requests kept in flight per peer: one being sent while one is being served. */
export const MIN_DEPTH = 2
/**
 * Bytes requested from a new peer before its speed is known (slow start would
 * cost the first half second: measured 0.6x of a bare stream with 2 requests).
 */
export const INITIAL_IN_FLIGHT_BYTES = 1024 * 1024
/** Most requests per peer; past this a deeper queue adds latency, not throughput. */
export const MAX_DEPTH = 64
/** Bytes in flight per peer are bounded by this whatever the piece size (memory per peer). */
export const MAX_IN_FLIGHT_BYTES = 8 * 1024 * 1024
/**
 * Verified pieces waiting for the disk. When the disk is slower than the
 * network, requests pause here instead of pieces piling up in memory.
 */
export const MAX_PENDING_WRITE_BYTES = 16 * 1024 * 1024
/** Keep about this much of a peer's measured throughput requested ahead (bandwidth-delay product). */
export const PIPELINE_SECONDS = 0.5
/** Three bad pieces is not bad luck; a flipped bit in transit is caught by the transport's MAC first. */
export const BAN_AFTER_HASH_FAILURES = 3
/** In endgame a missing piece may be requested from this many peers at once. */
export const ENDGAME_MAX_DUPLICATES = 2
/** A peer with requests pending that delivers nothing for this long is dropped. */
export const STALL_TIMEOUT_MS = 20_000
/** Speeds are averaged over this window. */
export const SPEED_WINDOW_MS = 2_000
/** Rate measurement and stall checks run this often. */
export const TICK_MS = 500
/** A peer that keeps us choked this long is dropped, freeing its slot and ours; it may be found again later. */
export const CHOKED_TIMEOUT_MS = 60_000
