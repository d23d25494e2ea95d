import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { HOUR_MS, RelayBudget } from '../../../../src-main/engine/hub/relay-budget.js'
import { StoreLedger } from '../../../../src-main/engine/hub/store-ledger.js'
import { MAX_PEERS_PER_CID, TrackerTable } from '../../../../src-main/engine/protocols/tracker/index.js'
import { hubServerConfig, HUB_DEFAULTS } from '../../../../src-main/cli/hub-config.js'
import { StateFiles } from '../../../../src-main/engine/persistence/json-file.js'

const CID = 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

describe('tracker table', () => {
  it('answers who announced a CID, never the asker, and forgets them when the announcement expires', () => {
    let now = 0
    const t = new TrackerTable(() => now, 1000)
    t.announce('A', [CID], ['/ip4/10.0.0.1/tcp/1'])
    t.announce('B', [CID], [])
    expect(t.lookup(CID, 'B')).toEqual([{ peerId: 'A', addrs: ['/ip4/10.0.0.1/tcp/1'] }])
    now = 999
    t.announce('B', [CID], [])
    now = 1500
    expect(t.lookup(CID).map(p => p.peerId)).toEqual(['B'])
    now = 3000
    expect(t.lookup(CID)).toEqual([])
    expect(t.size).toBe(0)
  })

  it('never holds more than its cap of peers per CID, whatever is announced', () => {
    fc.assert(fc.property(fc.array(fc.string({ minLength: 1, maxLength: 8 }), { maxLength: 800 }), ids => {
      const t = new TrackerTable(() => 0)
      for (const id of ids) t.announce(id, [CID], [])
      return t.size <= MAX_PEERS_PER_CID && t.size === new Set(ids).size - Math.max(0, new Set(ids).size - MAX_PEERS_PER_CID)
    }), { numRuns: 50 })
  })
})

describe('relay budget', () => {
  const limits = { connectionBytes: 100, connectionMs: 1000, maxReservations: 10, peerBytesPerHour: 250, totalBytesPerHour: 450 }

  it('refuses a relayed connection once a peer or the hub has used its hourly budget, and renews it each hour', () => {
    let now = 0
    const b = new RelayBudget(limits, () => now)
    expect(b.allow('A', 'B')).toBe(true)
    expect(b.allow('A', 'C')).toBe(true)
    expect(b.allow('A', 'D')).toBe(false) // A would reach 300 > 250
    expect(b.allow('E', 'F')).toBe(true) // total 300
    expect(b.allow('G', 'H')).toBe(true) // total 400
    expect(b.allow('I', 'J')).toBe(false) // total would be 500 > 450
    expect(b.used('A')).toBe(200)
    now = HOUR_MS
    expect(b.allow('A', 'D')).toBe(true)
    expect(b.used()).toBe(100)
  })
})

describe('store ledger', () => {
  it('lets only allow-listed peers push, within their quota and the total, and remembers across restarts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'swarmdrop-ledger-'))
    try {
      const limits = { allow: ['A', 'B'], peerQuotaBytes: 100, totalQuotaBytes: 150 }
      const l = new StoreLedger(new StateFiles(dir), limits)
      await l.load()
      expect(() => { l.check('X', 'c1', 1) }).toThrow(expect.objectContaining({ code: 'NOT_ALLOWED' }))
      l.check('A', 'c1', 80)
      await l.record('A', 'c1', 80)
      expect(() => { l.check('A', 'c2', 30) }).toThrow(expect.objectContaining({ code: 'QUOTA_EXCEEDED' }))
      l.check('A', 'c1', 80) // already stored: costs nothing more
      l.check('B', 'c3', 70)
      await l.record('B', 'c3', 70)
      expect(() => { l.check('B', 'c4', 10) }).toThrow(/store past its quota of 150/)
      const again = new StoreLedger(new StateFiles(dir), limits)
      await again.load()
      expect(again.used()).toBe(150)
      expect(again.cids().sort()).toEqual(['c1', 'c3'])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('hub configuration', () => {
  it('raises the relay limits above libp2p\'s signalling defaults, lets flags win over the file, and has a store only with an allow-list', () => {
    const c = hubServerConfig({ relayConnectionBytes: 1000, storePeerQuota: 5 }, { relayConnectionBytes: 2000 })
    expect(c.relay.connectionBytes).toBe(2000)
    expect(c.relay.connectionMs).toBe(HUB_DEFAULTS.relayConnectionSeconds * 1000)
    expect(HUB_DEFAULTS.relayConnectionBytes).toBeGreaterThan(128 * 1024)
    expect(HUB_DEFAULTS.relayConnectionSeconds).toBeGreaterThan(120)
    expect(c.store).toBeUndefined()
    const s = hubServerConfig({ storeAllow: ['A'] }, {})
    expect(s.store).toEqual({ allow: ['A'], peerQuotaBytes: HUB_DEFAULTS.storePeerQuota, totalQuotaBytes: HUB_DEFAULTS.storeTotalQuota })
    expect(s.dhtServer).toBe(true)
  })
})
