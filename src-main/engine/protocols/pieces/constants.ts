import { MAX_PIECES, MAX_PIECE_SIZE } from '../../../../shared/manifest.js'

export const PROTOCOL = '/swarmdrop/pieces/1.0.0'

/** type byte + u32 index: every piece frame's header. */
export const PIECE_HEADER_BYTES = 5
/** The largest frame a downloader accepts: one whole piece and its header. */
export const MAX_PIECE_FRAME = PIECE_HEADER_BYTES + MAX_PIECE_SIZE
/** A bitfield frame: type byte, u32 size, one bit per piece. */
export const MAX_BITFIELD_FRAME = 5 + Math.ceil(MAX_PIECES / 8)
/**
 * What an uploader accepts from a downloader: hello (type + CID, ~40 bytes),
 * request, cancel. Nothing legitimate comes near 256 bytes.
 */
export const MAX_CONTROL_FRAME = 256
/** Unread control frames buffered per stream: a full request queue's worth, twice over (libp2p's default is 4 MiB). */
export const MAX_CONTROL_BUFFER = 2 * 128 * (MAX_CONTROL_FRAME + 2)
/** Longest error text we send or show; a peer cannot fill a log with it. */
export const MAX_ERROR_TEXT = 200

/** What the exchange enforces on each stream; init may override any of it (tests shorten the timeouts). */
export const LIMITS = {
  /** Repeated `have` frames tolerated per stream (an honest uploader sends none: each piece is announced once). */
  maxRedundantHaves: 16,
  /** A downloader that keeps more requests than this queued is flooding us. */
  maxQueuedRequests: 128,
  /** A peer that has not said hello in this long is not a Swarmdrop peer. */
  helloTimeoutMs: 10_000,
  /** An uploader closes a stream that has asked for nothing in this long. */
  idleTimeoutMs: 120_000,
  /** A peer that has not taken a frame off our hands in this long has stopped reading. */
  writeTimeoutMs: 60_000,
  /** One stream per share per peer is the norm; a few more allow overlaps during reconnects. */
  maxInboundStreams: 64,
  maxOutboundStreams: 64
} as const

export type PiecesLimits = { -readonly [K in keyof typeof LIMITS]: number }
