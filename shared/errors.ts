/**
 * Every failure Swarmdrop can report, one class per kind, each with a stable
 * `code`. Codes cross process boundaries as data (`{ code, message }`), so
 * they never change once shipped; messages may.
 */
export const ErrorCodes = {
  USAGE: 'USAGE',
  INVALID_LINK: 'INVALID_LINK',
  INVALID_CID: 'INVALID_CID',
  INVALID_MANIFEST: 'INVALID_MANIFEST',
  MANIFEST_MISMATCH: 'MANIFEST_MISMATCH',
  UNSAFE_PATH: 'UNSAFE_PATH',
  PATH_NOT_FOUND: 'PATH_NOT_FOUND',
  DESTINATION_EXISTS: 'DESTINATION_EXISTS',
  PIECE_HASH_MISMATCH: 'PIECE_HASH_MISMATCH',
  PROTOCOL_VIOLATION: 'PROTOCOL_VIOLATION',
  CONTENT_NOT_FOUND: 'CONTENT_NOT_FOUND',
  NO_PEERS: 'NO_PEERS',
  STALLED: 'STALLED',
  PEER_UNREACHABLE: 'PEER_UNREACHABLE',
  TIMEOUT: 'TIMEOUT',
  DISK_FULL: 'DISK_FULL',
  DISK_ERROR: 'DISK_ERROR',
  ABORTED: 'ABORTED',
  STATE_CORRUPT: 'STATE_CORRUPT',
  INVALID_REQUEST: 'INVALID_REQUEST',
  UNKNOWN_TRANSFER: 'UNKNOWN_TRANSFER',
  UNSUPPORTED: 'UNSUPPORTED',
  INTERNAL: 'INTERNAL',
  NOT_ALLOWED: 'NOT_ALLOWED',
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
  ACCESS_DENIED: 'ACCESS_DENIED',
  SHARE_CHANGED: 'SHARE_CHANGED'
} as const

export type ErrorCode = typeof ErrorCodes[keyof typeof ErrorCodes]

/** What an error looks like once it has crossed a process or IPC boundary. */
export interface ErrorData {
  code: ErrorCode
  message: string
}

export class SwarmdropError extends Error {
  readonly code: ErrorCode
  /** True when the user can fix it (bad input); the CLI prints no stack for these. */
  readonly userError: boolean

  constructor (code: ErrorCode, message: string, options?: { cause?: unknown, userError?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.userError = options?.userError ?? true
  }

  toData (): ErrorData {
    return { code: this.code, message: this.message }
  }
}

export class UsageError extends SwarmdropError {
  constructor (message: string) { super(ErrorCodes.USAGE, message) }
}

export class InvalidLinkError extends SwarmdropError {
  constructor (message: string) { super(ErrorCodes.INVALID_LINK, message) }
}

export class InvalidCidError extends SwarmdropError {
  constructor (message: string) { super(ErrorCodes.INVALID_CID, message) }
}

export class InvalidManifestError extends SwarmdropError {
  constructor (message: string, cause?: unknown) { super(ErrorCodes.INVALID_MANIFEST, message, { cause }) }
}

export class ManifestMismatchError extends SwarmdropError {
  constructor (message: string) { super(ErrorCodes.MANIFEST_MISMATCH, message) }
}

export class UnsafePathError extends SwarmdropError {
  constructor (message: string) { super(ErrorCodes.UNSAFE_PATH, message) }
}

export class PathNotFoundError extends SwarmdropError {
  constructor (message: string) { super(ErrorCodes.PATH_NOT_FOUND, message) }
}

export class DestinationExistsError extends SwarmdropError {
  constructor (message: string) { super(ErrorCodes.DESTINATION_EXISTS, message) }
}

export class PieceHashMismatchError extends SwarmdropError {
  constructor (message: string) { super(ErrorCodes.PIECE_HASH_MISMATCH, message, { userError: false }) }
}

export class ProtocolViolationError extends SwarmdropError {
  constructor (message: string) { super(ErrorCodes.PROTOCOL_VIOLATION, message, { userError: false }) }
}

export class ContentNotFoundError extends SwarmdropError {
  constructor (message: string) { super(ErrorCodes.CONTENT_NOT_FOUND, message) }
}

export class NoPeersError extends SwarmdropError {
  constructor (message: string) { super(ErrorCodes.NO_PEERS, message) }
}

/** Peers are there, but the pieces still missing have no good source (a `get` with a stall timeout gives up on this). */
export class StalledError extends SwarmdropError {
  constructor (message: string) { super(ErrorCodes.STALLED, message) }
}

export class PeerUnreachableError extends SwarmdropError {
  constructor (message: string, cause?: unknown) { super(ErrorCodes.PEER_UNREACHABLE, message, { cause }) }
}

export class TimeoutError extends SwarmdropError {
  constructor (message: string) { super(ErrorCodes.TIMEOUT, message, { userError: false }) }
}

export class DiskFullError extends SwarmdropError {
  constructor (message: string, cause?: unknown) { super(ErrorCodes.DISK_FULL, message, { cause }) }
}

/**
 * The disk refused a write, a sync or a rename (read-only, I/O error, ...): the
 * path and the system's own words. Nothing written since the last good sync is vouched for.
 */
export class DiskError extends SwarmdropError {
  constructor (readonly path: string, readonly osCode: string, message: string, cause?: unknown) { super(ErrorCodes.DISK_ERROR, message, { cause }) }
}

export class AbortedError extends SwarmdropError {
  constructor (message = 'aborted') { super(ErrorCodes.ABORTED, message) }
}

export class StateCorruptError extends SwarmdropError {
  constructor (message: string, cause?: unknown) { super(ErrorCodes.STATE_CORRUPT, message, { cause, userError: false }) }
}

/** A request from a front end that does not match its command's schema. */
export class InvalidRequestError extends SwarmdropError {
  constructor (message: string) { super(ErrorCodes.INVALID_REQUEST, message) }
}

/** A download or share id the router does not know (stale UI, or a made-up id). */
export class UnknownTransferError extends SwarmdropError {
  constructor (message: string) { super(ErrorCodes.UNKNOWN_TRANSFER, message) }
}

/** Something this shell cannot do (e.g. "open file" in a daemon with no desktop). */
export class UnsupportedError extends SwarmdropError {
  constructor (message: string) { super(ErrorCodes.UNSUPPORTED, message) }
}

/** A bug: anything thrown that is not a SwarmdropError crosses the API as this. */
export class InternalError extends SwarmdropError {
  constructor (message: string, cause?: unknown) { super(ErrorCodes.INTERNAL, message, { cause, userError: false }) }
}

/** A hub refused a peer that is not on its allow-list (e.g. a push to its store). */
export class NotAllowedError extends SwarmdropError {
  constructor (message: string) { super(ErrorCodes.NOT_ALLOWED, message) }
}

/** A hub's store is full for this peer, or in total. */
export class QuotaExceededError extends SwarmdropError {
  constructor (message: string) { super(ErrorCodes.QUOTA_EXCEEDED, message) }
}

/** A private share refused us: its secret is missing or wrong, or our peer ID is not on its list. */
export class AccessDeniedError extends SwarmdropError {
  constructor (message: string) { super(ErrorCodes.ACCESS_DENIED, message) }
}

/** How a shared file changed: deleted or moved, replaced by another file, or rewritten (size or mtime). */
export type FileChangeKind = 'gone' | 'replaced' | 'resized' | 'modified' | 'unreadable'

/** A shared file changed on disk after it was hashed: its share is no longer served. */
export class ShareChangedError extends SwarmdropError {
  constructor (readonly file: string, readonly kind: FileChangeKind, readonly reason: string) {
    super(ErrorCodes.SHARE_CHANGED, `no longer shared: ${file} changed (${reason})`)
  }
}

export function isSwarmdropError (err: unknown): err is SwarmdropError {
  return err instanceof SwarmdropError
}

/**
 * A failure as a front end sees it, rebuilt from the `{ code, message }` that
 * crossed the boundary: both bridges (the browser's WebSocket and Electron's
 * preload) throw this, so the UI handles one kind of error.
 */
export class ApiError extends Error {
  constructor (readonly code: ErrorCode | string, message: string) {
    super(message)
    this.name = 'ApiError'
  }
}

export function errorText (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
