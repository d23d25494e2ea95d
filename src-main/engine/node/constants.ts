/** A desktop client talks to tens of peers; hundreds means something is wrong. */
export const MAX_CONNECTIONS = 200
/** Half-open inbound handshakes we tolerate at once (slowloris protection). */
export const MAX_INCOMING_PENDING = 32
/** A dial that has not completed the handshake in this long is not going to. */
export const DIAL_TIMEOUT_MS = 10_000
export const INBOUND_UPGRADE_TIMEOUT_MS = 10_000
/**
 * Yamux window per stream. Bigger windows keep a fast link full (bandwidth x
 * delay); the read side of a piece stream is bounded by requests anyway.
 */
export const STREAM_WINDOW = 4 * 1024 * 1024
/** Unsent bytes a stream may hold before it is reset: writers wait for drain long before this. */
export const MAX_STREAM_WRITE_BUFFER = 16 * 1024 * 1024

export type Encrypter = 'tls' | 'noise'
/** TLS first: ~1.4x faster on a bare stream here, and native AES-GCM inside Electron too. */
export const DEFAULT_ENCRYPTERS: Encrypter[] = ['tls', 'noise']
