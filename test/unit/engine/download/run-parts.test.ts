import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Bitfield } from '../../../../shared/bitfield.js'
import { NoPeersError, StalledError, type SwarmdropError } from '../../../../shared/errors.js'
import type { StallInfo } from '../../../../shared/transfer.js'
import { CHECKPOINT_MS, Checkpointer } from '../../../../src-main/engine/download/run/checkpointer.js'
import { Discovery, DISCOVERY_MS, discoveryDelay } from '../../../../src-main/engine/download/run/discovery.js'
import { FEED_PROGRESS_MS, SwarmPresence } from '../../../../src-main/engine/download/run/presence.js'
import { ProgressTicker } from '../../../../src-main/engine/download/run/progress-ticker.js'
import { RunParts, type RunPart } from '../../../../src-main/engine/download/run/run-part.js'
import { StallWatchdog, WATCH_MS, type Watched } from '../../../../src-main/engine/download/run/watchdog.js'
import { BACKOFF_MS } from '../../../../src-main/engine/download/peer-finder.js'

beforeEach(() => { vi.useFakeTimers() })
afterEach(() => { vi.useRealTimers() })

const STALL: StallInfo = { since: 0, pieces: 1, sample: [7], failedBy: [], unavailable: 1 }

describe('StallWatchdog: stalls shown as they come and go, and a stall timeout that gives up', () => {
  const watched = (): Watched & { bytes: number, stalled: StallInfo | null } => {
    const w = { bytes: 0, stalled: null as StallInfo | null, failure: undefined as string | undefined, progress: () => ({ bytes: w.bytes }), stall: () => w.stalled }
    return w
  }

  it('reports a stall once when it starts and once when it ends', () => {
    const seen: Array<StallInfo | null> = []
    const dog = new StallWatchdog({ stallTimeoutMs: 0, onStalled: s => seen.push(s), whyNoPeers: () => '', giveUp: () => { throw new Error('must not give up') } })
    const d = watched()
    dog.watch(d)
    dog.start()
    vi.advanceTimersByTime(WATCH_MS * 3)
    expect(seen).toEqual([])
    d.stalled = STALL
    vi.advanceTimersByTime(WATCH_MS * 4)
    expect(seen).toEqual([STALL])
    d.stalled = null
    vi.advanceTimersByTime(WATCH_MS * 2)
    expect(seen).toEqual([STALL, null])
    dog.stop()
  })

  it('without a stall timeout never gives up, however long nothing moves', () => {
    const giveUp = vi.fn()
    const dog = new StallWatchdog({ stallTimeoutMs: 0, whyNoPeers: () => 'nobody', giveUp })
    dog.start()
    vi.advanceTimersByTime(3_600_000)
    expect(giveUp).not.toHaveBeenCalled()
    dog.stop()
  })

  it('gives up with the reason there are no peers once nothing moved for the timeout, and only once', () => {
    const reasons: SwarmdropError[] = []
    const dog = new StallWatchdog({ stallTimeoutMs: 10_000, whyNoPeers: () => 'No peer has it.', giveUp: r => reasons.push(r) })
    dog.start()
    vi.advanceTimersByTime(10_000)
    expect(reasons).toEqual([])
    vi.advanceTimersByTime(WATCH_MS)
    expect(reasons).toHaveLength(1)
    expect(reasons[0]).toBeInstanceOf(NoPeersError)
    expect(reasons[0]!.message).toBe('No peer has it. (gave up after 10 s)')
    vi.advanceTimersByTime(60_000)
    expect(reasons).toHaveLength(1)
  })

  it('counts verified bytes and a new peer as progress, but not a peer it met before', () => {
    const giveUp = vi.fn()
    const dog = new StallWatchdog({ stallTimeoutMs: 10_000, whyNoPeers: () => '', giveUp })
    const d = watched()
    dog.watch(d)
    dog.start()
    vi.advanceTimersByTime(8_000)
    d.bytes = 1024
    vi.advanceTimersByTime(8_000)
    dog.metPeer('a')
    vi.advanceTimersByTime(8_000)
    expect(giveUp).not.toHaveBeenCalled()
    dog.metPeer('a')
    vi.advanceTimersByTime(3_000)
    expect(giveUp).toHaveBeenCalledTimes(1)
  })

  it('names the stall when it gives up while stalled', () => {
    const reasons: SwarmdropError[] = []
    const dog = new StallWatchdog({ stallTimeoutMs: 5_000, whyNoPeers: () => '', giveUp: r => reasons.push(r) })
    const d = watched()
    d.stalled = STALL
    dog.watch(d)
    dog.start()
    vi.advanceTimersByTime(6_000)
    expect(reasons[0]).toBeInstanceOf(StalledError)
    expect(reasons[0]!.message).toBe('stalled: 1 piece (#7) has no good source: no connected peer has them; no progress for 5 s')
  })
})

describe('Checkpointer: sync, then save the bitfield as it was before the sync', () => {
  it('saves the pieces held when the sync began, not those that came during it', async () => {
    const have = new Bitfield(8)
    have.set(0)
    const saved: number[][] = []
    let finishSync: () => void = () => {}
    const cp = new Checkpointer({
      have: () => have,
      sync: async () => await new Promise<void>(resolve => { finishSync = resolve }),
      save: async b => { saved.push([...Array(b.size).keys()].filter(i => b.get(i))) },
      onFailure: err => { throw err }
    })
    cp.start()
    await vi.advanceTimersByTimeAsync(CHECKPOINT_MS)
    have.set(1)
    finishSync()
    await vi.advanceTimersByTimeAsync(0)
    expect(saved).toEqual([[0]])
    await cp.stop()
  })

  it('runs one checkpoint at a time, and stop waits for the one being written', async () => {
    let syncs = 0
    let finishSync: () => void = () => {}
    let saves = 0
    const cp = new Checkpointer({
      have: () => new Bitfield(4),
      sync: async () => { syncs++; await new Promise<void>(resolve => { finishSync = resolve }) },
      save: async () => { saves++ },
      onFailure: err => { throw err }
    })
    cp.start()
    await vi.advanceTimersByTimeAsync(CHECKPOINT_MS * 3)
    expect(syncs).toBe(1)
    const stopped = cp.stop()
    let done = false
    void stopped.then(() => { done = true })
    await vi.advanceTimersByTimeAsync(0)
    expect(done).toBe(false)
    finishSync()
    await stopped
    expect(saves).toBe(1)
    await vi.advanceTimersByTimeAsync(CHECKPOINT_MS * 3)
    expect(syncs).toBe(1)
  })

  it('a failed sync saves nothing and reports the failure', async () => {
    const failures: Error[] = []
    const save = vi.fn(async () => {})
    const cp = new Checkpointer({ have: () => new Bitfield(4), sync: async () => { throw new Error('EIO') }, save, onFailure: e => failures.push(e) })
    cp.start()
    await vi.advanceTimersByTimeAsync(CHECKPOINT_MS)
    expect(failures.map(e => e.message)).toEqual(['EIO'])
    expect(save).not.toHaveBeenCalled()
    await cp.stop()
  })
})

describe('Discovery: a round at once, then on the finder\'s backoff, then every 15 s', () => {
  it('uses one schedule: the peer finder\'s pauses, then DISCOVERY_MS', () => {
    expect(BACKOFF_MS.map((_, i) => discoveryDelay(i))).toEqual(BACKOFF_MS)
    expect(discoveryDelay(BACKOFF_MS.length)).toBe(DISCOVERY_MS)
  })

  it('starts rounds on that schedule, each after the last ended, and none once the pieces are all here', async () => {
    const starts: number[] = []
    let done = false
    const t0 = Date.now()
    const d = new Discovery({ round: async () => { starts.push(Date.now() - t0) }, done: () => done })
    d.start()
    await vi.advanceTimersByTimeAsync(BACKOFF_MS[0]! + BACKOFF_MS[1]! + BACKOFF_MS[2]!)
    expect(starts).toEqual([0, BACKOFF_MS[0], BACKOFF_MS[0]! + BACKOFF_MS[1]!, BACKOFF_MS[0]! + BACKOFF_MS[1]! + BACKOFF_MS[2]!])
    done = true
    await vi.advanceTimersByTimeAsync(60_000)
    expect(starts).toHaveLength(5)
    d.stop()
  })

  it('a round still running when it stops schedules no other', async () => {
    let finish: () => void = () => {}
    let rounds = 0
    const d = new Discovery({ round: async () => { rounds++; await new Promise<void>(resolve => { finish = resolve }) }, done: () => false })
    d.start()
    finish()
    await vi.advanceTimersByTimeAsync(BACKOFF_MS[0]!)
    expect(rounds).toBe(2)
    d.stop()
    finish()
    await vi.advanceTimersByTimeAsync(120_000)
    expect(rounds).toBe(2)
  })
})

describe('SwarmPresence and ProgressTicker', () => {
  it('joins and provides once at start, then publishes progress every few seconds until stopped', async () => {
    const calls: string[] = []
    const p = new SwarmPresence({ join: () => calls.push('join'), provide: () => calls.push('provide'), publishProgress: async () => { calls.push('progress') } })
    p.start()
    expect(calls).toEqual(['join', 'provide'])
    await vi.advanceTimersByTimeAsync(FEED_PROGRESS_MS * 2)
    expect(calls).toEqual(['join', 'provide', 'progress', 'progress'])
    p.stop()
    await vi.advanceTimersByTimeAsync(FEED_PROGRESS_MS * 2)
    expect(calls).toHaveLength(4)
  })

  it('reports at its interval and not after it stops', () => {
    const report = vi.fn()
    const t = new ProgressTicker(report, 250)
    t.start()
    vi.advanceTimersByTime(1_000)
    expect(report).toHaveBeenCalledTimes(4)
    t.stop()
    vi.advanceTimersByTime(1_000)
    expect(report).toHaveBeenCalledTimes(4)
  })
})

describe('RunParts: started together, stopped together in reverse', () => {
  it('skips the parts a run does not have and stops the rest last-started first, waiting for each', async () => {
    const log: string[] = []
    const part = (name: string): RunPart => ({ start: () => log.push(`start ${name}`), stop: async () => { await Promise.resolve(); log.push(`stop ${name}`) } })
    const parts = new RunParts(part('a'), null, part('b'))
    parts.start()
    await parts.stop()
    expect(log).toEqual(['start a', 'start b', 'stop b', 'stop a'])
    await parts.stop()
    expect(log).toHaveLength(4)
  })
})
