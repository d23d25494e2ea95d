import { BACKOFF_MS } from '../peer-finder.js'
import type { RunPart } from './run-part.js'

/** Once the swarm has formed, a download looks for more peers this often. */
export const DISCOVERY_MS = 15_000

/** The pause before discovery round `round` (0 is the first after the one at start): the finder's backoff, then every 15 s. */
export function discoveryDelay (round: number): number {
  return BACKOFF_MS[round] ?? DISCOVERY_MS
}

export interface DiscoveryInit {
  /** One round of looking (DHT providers, the tracker, peer exchange), each answer dialled as it comes. */
  round: () => Promise<void>
  /** No more rounds once this is true (every piece is here). */
  done: () => boolean
}

/**
 * Finds the rest of the swarm while downloading: one round at once, then
 * rounds close together while the swarm is forming and every 15 s after.
 * A round starts only after the last one ended.
 */
export class Discovery implements RunPart {
  private timer?: NodeJS.Timeout
  private stopped = false

  constructor (private readonly init: DiscoveryInit) {}

  start (): void {
    this.stopped = false
    void this.init.round()
    this.schedule(0)
  }

  stop (): void {
    this.stopped = true
    clearTimeout(this.timer)
  }

  private schedule (round: number): void {
    this.timer = setTimeout(() => {
      void this.init.round().finally(() => {
        if (!this.stopped && !this.init.done()) this.schedule(round + 1)
      })
    }, discoveryDelay(round))
  }
}
