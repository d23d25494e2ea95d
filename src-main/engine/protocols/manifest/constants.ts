import { MAX_MANIFEST_BYTES } from '../../../../shared/manifest.js'

export const PROTOCOL = '/swarmdrop/manifest/1.0.0'
/** A request is one CID (a CIDv1 with a sha2-256 hash is 36 bytes), then a 32-byte access proof for a private share. */
export const MAX_REQUEST_BYTES = 128
/** Status byte plus the largest manifest we accept. */
export const MAX_RESPONSE_BYTES = 1 + MAX_MANIFEST_BYTES
/** A 12 MiB manifest at a slow 1 MB/s still fits. */
export const TIMEOUT_MS = 30_000
/** Manifest fetches are one-shot; a handful at once per connection is plenty. */
export const MAX_INBOUND_STREAMS = 16
export const MAX_OUTBOUND_STREAMS = 16

export const Status = {
  OK: 0,
  NOT_FOUND: 1,
  /** A private share this peer may not have; said plainly so the user knows why. */
  DENIED: 2
} as const
