import type { PeerHint } from '../../../shared/link.js'

/** A download in progress, as the rest of the engine may poke it. */
export interface ActiveDownload {
  /** A peer that asked us for pieces of the same content: it may have some too. */
  offer: (peerId: string) => void
  /** More peers for it (a pasted link): tried at once. */
  addHints: (peers: PeerHint[]) => void
}

/** The downloads running now, by content ID: serving, sharing and announcing look here. */
export type ActiveDownloads = Map<string, ActiveDownload>
