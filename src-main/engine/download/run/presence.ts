import type { RunPart } from './run-part.js'

/** Progress summaries on the swarm feed: a few a minute is plenty for a human. */
export const FEED_PROGRESS_MS = 5_000

export interface PresenceInit {
  /** Joins the swarm's feed and says we are in it, with what we have (not seeding yet). */
  join: () => void
  /** Announces us as a provider early: a leecher's pieces are worth finding while it still downloads. */
  provide: () => void
  /** Publishes a progress summary on the feed. */
  publishProgress: () => Promise<void>
}

/**
 * A public download's presence in its swarm: it joins the feed and announces
 * itself at start, then tells the feed how far it is every few seconds.
 * Private and client-server downloads have none.
 */
export class SwarmPresence implements RunPart {
  private timer?: NodeJS.Timeout

  constructor (private readonly init: PresenceInit) {}

  start (): void {
    this.init.join()
    this.init.provide()
    this.timer = setInterval(() => { void this.init.publishProgress() }, FEED_PROGRESS_MS)
  }

  stop (): void {
    clearInterval(this.timer)
  }
}
