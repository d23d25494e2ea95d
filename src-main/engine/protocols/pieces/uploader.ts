import type { Bitfield } from '../../../../shared/bitfield.js'

/** One downloader as the upload policy sees it. */
export interface UploadSlot {
  /** Called by the policy to stop or resume serving this downloader. */
  setChoked: (choked: boolean) => void
  /** Ends the exchange, telling the downloader why (e.g. its access was revoked). */
  deny: (message: string) => void
  /** Ends the exchange because we no longer serve this content (its file changed): not the downloader's doing, nor a refusal. */
  withdraw: (message: string) => void
  /** Shows this downloader one more piece we have (initial seeding shows pieces a few at a time). */
  announce: (index: number) => void
  readonly peerId: string
  readonly cid: string
  readonly pieceCount: number
  /** The pieces the downloader told us it holds. */
  readonly theirs: Bitfield
  /** The access proof it showed for a private share, to check again if the share's access changes. */
  readonly proof?: Uint8Array
}

/**
 * Decides who gets served and how fast: upload slots (choking) and rate
 * limits. The protocol asks it; it never touches the stream itself.
 */
export interface UploadPolicy {
  /** A downloader said hello; returns whether it starts unchoked. */
  open?: (slot: UploadSlot) => boolean
  close?: (slot: UploadSlot) => void
  /**
   * For content we hold whole: the pieces to show this downloader at first, or
   * null (or no hook) to show it everything. Called after `open`.
   */
  advertise?: (slot: UploadSlot) => Bitfield | null
  /** The downloader asked for `index`. */
  requested?: (slot: UploadSlot, index: number) => void
  /** The downloader told us it now holds these pieces (its bitfield, or a have). */
  theyHave?: (slot: UploadSlot, indices: number[]) => void
  /** Resolves when `bytes` may go out to this downloader (rate limits). */
  beforeSend?: (slot: UploadSlot, bytes: number, signal: AbortSignal) => Promise<void>
  /** Called after each piece is sent. */
  uploaded?: (slot: UploadSlot, bytes: number, index: number) => void
}

/** What a downloader is told when a share's file changed under it. */
export const SHARE_CHANGED_MESSAGE = 'no longer shared: the file changed'
