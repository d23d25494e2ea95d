/**
 * A token bucket that paces bytes to a rate. Callers take what they are
 * about to send (or request) before doing it, so the limit holds in the
 * protocol itself rather than by sleeping after the fact. A take bigger
 * than the bucket is allowed and leaves it in debt: the next take waits
 * until the debt is paid, so the long-run rate is exact for any piece size.
 */
export class TokenBucket {
  private tokens: number
  private last: number
  private queue: Promise<void> = Promise.resolve()

  constructor (private rate: number, private readonly burst = Math.max(rate / 10, 16 * 1024), private readonly now: () => number = () => performance.now()) {
    this.tokens = 0
    this.last = this.now()
  }

  /** 0 means unlimited. */
  setRate (rate: number): void {
    this.refill()
    this.rate = rate
  }

  get limited (): boolean {
    return this.rate > 0
  }

  /** Resolves once `n` bytes may go; callers are served in order. */
  async take (n: number, signal?: AbortSignal): Promise<void> {
    if (!this.limited) return
    const turn = this.queue.then(async () => {
      while (true) {
        signal?.throwIfAborted()
        this.refill()
        if (this.tokens >= 0 || !this.limited) break
        await sleep(Math.min(1000, Math.ceil(-this.tokens * 1000 / this.rate)), signal)
      }
      this.tokens -= n
    })
    this.queue = turn.catch(() => {})
    await turn
  }

  /**
   * Non-blocking take, for pacing requests: takes `n` and returns 0 when the
   * bucket is not in debt, or returns how many ms to wait and takes nothing.
   */
  reserve (n: number): number {
    if (!this.limited) return 0
    this.refill()
    if (this.tokens < 0) return Math.max(1, Math.ceil(-this.tokens * 1000 / this.rate))
    this.tokens -= n
    return 0
  }

  private refill (): void {
    const t = this.now()
    if (this.rate > 0) this.tokens = Math.min(this.burst, this.tokens + (t - this.last) * this.rate / 1000)
    this.last = t
  }
}

async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, Math.max(ms, 1))
    signal?.addEventListener('abort', () => { clearTimeout(t); reject(signal.reason as Error) }, { once: true })
  })
}

/** Several buckets in force at once (global and per transfer): a take waits for each. */
export class RateLimit {
  constructor (private readonly buckets: TokenBucket[]) {}

  async take (n: number, signal?: AbortSignal): Promise<void> {
    for (const b of this.buckets) await b.take(n, signal)
  }

  /** Like TokenBucket.reserve over all buckets: 0 when `n` was taken from each. */
  reserve (n: number): number {
    let wait = 0
    for (const b of this.buckets) wait = Math.max(wait, b.limited ? peek(b) : 0)
    if (wait > 0) return wait
    for (const b of this.buckets) b.reserve(n)
    return 0
  }
}

function peek (b: TokenBucket): number {
  // reserve(0) never changes the balance, only reports the debt.
  return b.reserve(0)
}
