import { afterEach, describe, expect, it, vi } from 'vitest'
import type { DownloadInfo, EventName } from '../../../shared/api.js'
import { diff, EventFanout, PUSH_INTERVAL_MS } from '../../../src-main/api/event-fanout.js'
import { applyDeltas, initialState, reduce } from '../../../src-renderer/state/store.js'

const base: DownloadInfo = { id: 'd', cid: 'd', name: 'n', state: 'downloading', bytes: 0, total: 100, speed: 0, peers: 0, pieces: 4, path: '/x', sources: {}, paths: { direct: 0, punched: 0, relay: 0, hub: 0 }, error: null, waiting: null, stall: null, addedAt: 1, finishedAt: null }

afterEach(() => { vi.useRealTimers() })

describe('download deltas', () => {
  it('carry only what changed', () => {
    expect(diff(base, { ...base })).toBeNull()
    expect(diff(base, { ...base, bytes: 10, speed: 5 })).toEqual({ id: 'd', bytes: 10, speed: 5 })
    expect(diff(base, { ...base, sources: { p: { bytes: 1, path: 'direct' } } })).toEqual({ id: 'd', sources: { p: { bytes: 1, path: 'direct' } } })
  })

  it('are batched: many changes in one interval push one delta with the latest values', () => {
    vi.useFakeTimers()
    const fanout = new EventFanout()
    const got: Array<[EventName, unknown]> = []
    fanout.subscribe((name, payload) => { got.push([name, payload]) })
    fanout.downloadAdded(base)
    for (let i = 1; i <= 50; i++) fanout.downloadChanged({ ...base, bytes: i })
    expect(got.map(g => g[0])).toEqual(['downloadAdded'])
    vi.advanceTimersByTime(PUSH_INTERVAL_MS)
    expect(got[1]).toEqual(['downloadsChanged', [{ id: 'd', bytes: 50 }]])
    fanout.downloadChanged({ ...base, bytes: 50 })
    vi.advanceTimersByTime(PUSH_INTERVAL_MS)
    expect(got).toHaveLength(2)
  })

  it('rebuild the full state on the client', () => {
    const s1 = reduce(initialState, { type: 'event', name: 'downloadAdded', payload: base })
    const s2 = reduce(s1, { type: 'event', name: 'downloadsChanged', payload: [{ id: 'd', bytes: 60, state: 'paused' }, { id: 'other', bytes: 1 }] })
    expect(s2.downloads).toEqual([{ ...base, bytes: 60, state: 'paused' }])
    expect(applyDeltas([base], [])).toEqual([base])
    const s3 = reduce(s2, { type: 'event', name: 'downloadRemoved', payload: { id: 'd' } })
    expect(s3.downloads).toEqual([])
  })

  it('keep a bounded throughput history and drop finished hashing jobs', () => {
    let s = initialState
    for (let i = 0; i < 500; i++) s = reduce(s, { type: 'event', name: 'throughput', payload: { at: i, up: 0, down: i } })
    expect(s.throughput).toHaveLength(120)
    expect(s.throughput.at(-1)!.down).toBe(499)
    s = reduce(s, { type: 'event', name: 'hashing', payload: { job: 'j', name: 'a', bytes: 1, total: 2 } })
    expect(s.hashing).toHaveLength(1)
    s = reduce(s, { type: 'event', name: 'hashing', payload: { job: 'j', name: 'a', bytes: 2, total: 2 } })
    expect(s.hashing).toHaveLength(0)
  })
})
