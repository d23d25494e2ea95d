import { NoPeersError, StalledError, type SwarmdropError } from '../../../../shared/errors.js'
import type { StallInfo } from '../../../../shared/transfer.js'
import { stallMessage } from '../explain.js'
import type { RunPart } from './run-part.js'

/** Stalls and the stall timeout are checked this often. */
export const WATCH_MS = 500

/** What the watchdog reads of the swarm download, once there is one. */
export interface Watched {
  progress: () => { bytes: number }
  stall: () => StallInfo | null
  /** The last thing that went wrong with a peer, for the message when it gives up. */
  failure: string | undefined
}

export interface WatchdogInit {
  /** Give up after this long with no verified progress and no new peer; 0: never. */
  stallTimeoutMs: number
  /** Peers are there but the missing pieces have no good source (null once they do). */
  onStalled?: (s: StallInfo | null) => void
  /** Why no peer could be used, as the user should read it. */
  whyNoPeers: () => string
  /** Ends the run with the reason. */
  giveUp: (reason: SwarmdropError) => void
  now?: () => number
}

/**
 * Tells the user when a download stalls and when it moves again, and with a
 * stall timeout (the CLI's `--stall-timeout`) gives up once nothing has
 * moved for that long: no verified bytes, no new peer, no manifest.
 */
export class StallWatchdog implements RunPart {
  private timer?: NodeJS.Timeout
  private watched?: Watched
  private lastProgress: number
  private lastBytes = -1
  private stalled: StallInfo | null = null
  private readonly met = new Set<string>()
  private readonly now: () => number

  constructor (private readonly init: WatchdogInit) {
    this.now = init.now ?? Date.now
    this.lastProgress = this.now()
  }

  /** The swarm download has begun: its bytes and stalls are what is watched from now on. */
  watch (download: Watched): void { this.watched = download }

  /** Something that counts as progress happened (the manifest came). */
  progressed (): void { this.lastProgress = this.now() }

  /** A peer sends us pieces: one this run never had before restarts the clock. */
  metPeer (peerId: string): void {
    if (this.met.has(peerId)) return
    this.met.add(peerId)
    this.progressed()
  }

  start (): void {
    this.timer = setInterval(() => { this.check() }, WATCH_MS)
  }

  stop (): void {
    clearInterval(this.timer)
  }

  private check (): void {
    const d = this.watched
    if (d != null) {
      const bytes = d.progress().bytes
      if (bytes !== this.lastBytes) { this.lastBytes = bytes; this.progressed() }
      const now = d.stall()
      if ((now == null) !== (this.stalled == null)) this.init.onStalled?.(now)
      this.stalled = now
    }
    const limit = this.init.stallTimeoutMs
    if (limit <= 0 || this.now() - this.lastProgress <= limit) return
    const secs = Math.round(limit / 1000)
    this.stop()
    this.init.giveUp(this.stalled != null
      ? new StalledError(`${stallMessage(this.stalled)}; no progress for ${secs} s`)
      : new NoPeersError(`${this.init.whyNoPeers()}${d?.failure != null ? ` Last problem: ${d.failure}.` : ''} (gave up after ${secs} s)`))
  }
}
