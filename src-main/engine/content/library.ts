import type { Bitfield } from '../../../shared/bitfield.js'
import type { ShareAccess } from '../access/share-access.js'

/**
 * Content this node can serve, complete or not. The protocols see only this,
 * so they serve a finished share and a download in progress the same way.
 */
export interface ServedContent {
  readonly cid: string
  readonly manifestBytes: Uint8Array
  readonly pieceCount: number
  pieceLength: (index: number) => number
  /** The pieces we hold; null when we hold them all. */
  have: () => Bitfield | null
  /** Reads one verified piece. Only called for pieces `have` includes. */
  readPiece: (index: number) => Promise<Uint8Array>
  /** Tells a listener about each piece that becomes available; returns an unsubscribe. */
  onHave?: (listener: (index: number) => void) => () => void
  /** Who may fetch it; public when absent. Read on every request, so a change applies at once. */
  readonly access?: ShareAccess
}

export interface ContentLookup {
  get: (cid: string) => ServedContent | undefined
  /** Why content we once served is served no more (its file changed), to tell those who ask for it. */
  whyGone?: (cid: string) => string | undefined
}

/** Shares and active downloads under one lookup; a download wins while it runs. */
export class Library implements ContentLookup {
  private readonly sources: ContentLookup[] = []
  private readonly live = new Map<string, ServedContent>()

  addSource (source: ContentLookup): void {
    this.sources.push(source)
  }

  addLive (content: ServedContent): () => void {
    this.live.set(content.cid, content)
    return () => {
      if (this.live.get(content.cid) === content) this.live.delete(content.cid)
    }
  }

  get (cid: string): ServedContent | undefined {
    const live = this.live.get(cid)
    if (live != null) return live
    for (const s of this.sources) {
      const c = s.get(cid)
      if (c != null) return c
    }
    return undefined
  }

  whyGone (cid: string): string | undefined {
    for (const s of this.sources) {
      const why = s.whyGone?.(cid)
      if (why != null) return why
    }
    return undefined
  }
}
