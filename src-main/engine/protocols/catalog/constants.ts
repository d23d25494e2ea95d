export const PROTOCOL = '/swarmdrop/catalog/1.0.0'
/** 2,000 entries of a few hundred bytes: a big library, still one frame. */
export const MAX_ENTRIES = 2_000
export const MAX_RESPONSE_BYTES = 1024 * 1024
/** The request carries nothing yet (a capability secret later). */
export const MAX_REQUEST_BYTES = 1024
export const TIMEOUT_MS = 15_000
export const MAX_INBOUND_STREAMS = 8
export const MAX_OUTBOUND_STREAMS = 8
