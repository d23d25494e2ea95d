import { MAX_MANIFEST_BYTES } from '../../../../shared/manifest.js'

export const PROTOCOL = '/swarmdrop/manifest/1.0.0'

export const LIMITS = {
  /** A request is one CID (a CIDv1 with a sha2-256 hash is 36 bytes), then a 32-byte access proof for a private share. */
  maxRequestBytes: 128,
  /** Status byte plus the largest manifest we accept. */
  maxResponseBytes: 1 + MAX_MANIFEST_BYTES,
  /** A 12 MiB manifest at a slow 1 MB/s still fits. */
  timeoutMs: 30_000,
  /** Manifest fetches are one-shot; a handful at once per connection is plenty. */
  maxInboundStreams: 16,
  maxOutboundStreams: 16
} as const

export type ManifestLimits = { -readonly [K in keyof typeof LIMITS]: number }
