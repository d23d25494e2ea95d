export const PROTOCOL = '/swarmdrop/store/1.0.0'
/**
 * A push is answered once the hub holds every piece, so the exchange lasts
 * as long as the upload: 30 minutes carries ~2 GB over a slow 10 Mbit/s link.
 */
export const TIMEOUT_MS = 30 * 60 * 1000
export const MAX_REQUEST_BYTES = 256
export const MAX_RESPONSE_BYTES = 4096
/** Pushes a hub runs at once; more wait their turn in the pusher's retry. */
export const MAX_INBOUND_STREAMS = 4
export const MAX_OUTBOUND_STREAMS = 2
