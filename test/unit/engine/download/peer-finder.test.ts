import type { Connection } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, describe, expect, it } from 'vitest'
import type { WaitingInfo } from '../../../../shared/transfer.js'
import { log } from '../../../../src-main/engine/base/log.js'
import { BACKOFF_MS, PeerFinder, type DiscoveryVia, type PeerFinderInit } from '../../../../src-main/engine/download/peer-finder.js'
import { DIAL_TIMEOUT_MS } from '../../../../src-main/engine/node/constants.js'
import type { SwarmNode } from '../../../../src-main/engine/node/create-node.js'
import type { BanList } from '../../../../src-main/engine/persistence/ban-list.js'
import { addrOf, bareAddrOf, isConnected, TestNodes } from '../../../helpers/engine-nodes.js'

const cid = CID.create(1, raw.code, await sha256.digest(new TextEncoder().encode('peer-finder test content')))

const nodes = new TestNodes()
const finders: PeerFinder[] = []
const aborts: AbortController[] = []

afterEach(async () => {
  for (const a of aborts.splice(0)) a.abort()
  for (const f of finders.splice(0)) f.stop()
  await nodes.stopAll()
})

interface Made { finder: PeerFinder, discovered: Array<[DiscoveryVia, string[]]>, abort: AbortController }

function finderOn (node: SwarmNode, bans: BanList, init: Partial<PeerFinderInit> = {}): Made {
  const abort = new AbortController()
  aborts.push(abort)
  const discovered: Array<[DiscoveryVia, string[]]> = []
  const finder = new PeerFinder({
    node,
    cid,
    bans,
    hub: () => undefined,
    discover: false,
    announce: false,
    log: log('test:peer-finder'),
    signal: abort.signal,
    onDiscovered: (via, peers) => { discovered.push([via, peers]) },
    ...init
  })
  finders.push(finder)
  return { finder, discovered, abort }
}

/** A `use` that takes every connection offered: resolves with the peer IDs it was given. */
const takeAll = async (conns: Map<string, Connection>): Promise<string[]> => [...conns.keys()]

describe('PeerFinder.until', () => {
  it('dials the peers it was given and returns what the callback makes of the connections', async () => {
    const [me, seeder] = await Promise.all([nodes.start(), nodes.start()])
    const { finder, discovered } = finderOn(me, await nodes.banList())
    expect(finder.add(seeder.peerId.toString(), [addrOf(seeder)], 'hint')).toBe(true)
    expect(discovered).toEqual([['hint', [seeder.peerId.toString()]]])

    const offered: string[][] = []
    const found = await finder.until(async conns => {
      offered.push([...conns.keys()])
      for (const c of conns.values()) expect(c.status).toBe('open')
      return ['from ' + [...conns.keys()].join()]
    })

    expect(offered).toEqual([[seeder.peerId.toString()]])
    expect(found).toEqual([`from ${seeder.peerId.toString()}`])
    expect(isConnected(me, seeder)).toBe(true)
    expect(finder.triedRoutes()).toEqual(['link'])
  })

  it('a hinted peer with no address does not hold up the round: the good peer comes in the same round', async () => {
    // A dial given the download's signal gets no timeout from libp2p; every dial is now bounded by DIAL_TIMEOUT_MS.
    const [me, seeder] = await Promise.all([nodes.start(), nodes.start()])
    const nowhereId = (await nodes.deadPeer()).peerId
    const { finder } = finderOn(me, await nodes.banList())
    finder.add(nowhereId, [], 'hint')
    finder.add(seeder.peerId.toString(), [addrOf(seeder)], 'hint')
    const started = Date.now()
    const found = await finder.until(takeAll, { maxRounds: 1 })
    expect(found).toEqual([seeder.peerId.toString()])
    expect(Date.now() - started).toBeLessThan(DIAL_TIMEOUT_MS + 10_000)
  }, DIAL_TIMEOUT_MS + 30_000)

  it('a wake that comes before the pause begins (mid-round) skips that pause instead of being lost', async () => {
    const me = await nodes.start()
    const dead = await nodes.deadPeer()
    const { finder } = finderOn(me, await nodes.banList())
    finder.add(dead.peerId, [dead.addr], 'hint')
    let waits = 0
    const started = Date.now()
    const found = await finder.until(takeAll, { maxRounds: 3, onWaiting: w => { if (w != null && waits++ === 0) finder.wake() } })
    expect(found).toEqual([])
    // Round 1, no pause (woken), round 2, a pause of BACKOFF_MS[1], round 3.
    expect(Date.now() - started).toBeLessThan(BACKOFF_MS[0]! + BACKOFF_MS[1]!)
    expect(Date.now() - started).toBeGreaterThanOrEqual(BACKOFF_MS[1]!)
  })

  it('adds a known peer\'s new addresses to the ones it has, and never itself', async () => {
    const [me, seeder] = await Promise.all([nodes.start(), nodes.start()])
    const dead = await nodes.deadPeer()
    const { finder, discovered } = finderOn(me, await nodes.banList())
    expect(finder.add(seeder.peerId.toString(), [dead.addr], 'hint')).toBe(true)
    // Known already: not new, but its working address is kept with the dead one.
    expect(finder.add(seeder.peerId.toString(), [addrOf(seeder), dead.addr], 'dht')).toBe(false)
    expect(finder.targets.get(seeder.peerId.toString())?.map(String)).toEqual([dead.addr.toString(), addrOf(seeder).toString()])
    expect(finder.add(me.peerId.toString(), [addrOf(me)], 'hint')).toBe(false)
    expect(finder.targets.has(me.peerId.toString())).toBe(false)
    expect(discovered).toEqual([['hint', [seeder.peerId.toString()]]])

    expect(await finder.until(takeAll, { maxRounds: 1 })).toEqual([seeder.peerId.toString()])
  })

  it('waits between rounds by BACKOFF_MS, reporting what it waits for, then gives up after maxRounds', async () => {
    const me = await nodes.start()
    const dead = await nodes.deadPeer()
    const { finder } = finderOn(me, await nodes.banList())
    const older = await nodes.deadPeer()
    finder.remember([
      { peerId: dead.peerId, addrs: [dead.addr.toString()], lastSeen: 2_000 },
      { peerId: older.peerId, addrs: [older.addr.toString()], lastSeen: 1_000 }
    ])
    const reports: Array<{ at: number, w: WaitingInfo | null }> = []
    let used = 0
    const started = Date.now()
    const found = await finder.until(async conns => { used++; return await takeAll(conns) }, {
      maxRounds: 3,
      onWaiting: w => { reports.push({ at: Date.now(), w }) }
    })

    expect(found).toEqual([])
    // Nobody answered, so there was nothing to hand the callback.
    expect(used).toBe(0)
    // Two pauses for three rounds: none after the last.
    expect(reports).toHaveLength(2)
    const [first, second] = reports.map(r => r.w!)
    expect(first!.since).toBeGreaterThanOrEqual(started)
    expect(second!.since).toBe(first!.since)
    expect(first).toMatchObject({ lastSeen: { peerId: dead.peerId, at: 2_000 }, known: 2, tried: ['remembered'] })
    // The next try is announced one pause ahead: the first pause, then the second.
    for (const [i, r] of reports.entries()) {
      const ahead = r.w!.nextTryAt - r.at
      expect(ahead).toBeLessThanOrEqual(BACKOFF_MS[i]!)
      expect(ahead).toBeGreaterThan(BACKOFF_MS[i]! - 500)
    }
    // And it did wait that long before trying again.
    expect(reports[1]!.at - reports[0]!.at).toBeGreaterThanOrEqual(BACKOFF_MS[0]!)
    expect(Date.now() - started).toBeGreaterThanOrEqual(BACKOFF_MS[0]! + BACKOFF_MS[1]!)
  })

  it('offers a peer that answers but lacks the content again each round, and stops after maxRounds', async () => {
    const [me, seeder] = await Promise.all([nodes.start(), nodes.start()])
    const { finder } = finderOn(me, await nodes.banList())
    finder.add(seeder.peerId.toString(), [addrOf(seeder)])
    let rounds = 0
    const waits: Array<WaitingInfo | null> = []
    const found = await finder.until(async conns => { rounds++; expect([...conns.keys()]).toEqual([seeder.peerId.toString()]); return [] }, {
      maxRounds: 2,
      onWaiting: w => { waits.push(w) }
    })
    expect(found).toEqual([])
    expect(rounds).toBe(2)
    expect(waits).toHaveLength(1)
    expect(waits[0]).toMatchObject({ known: 1, tried: ['link'], lastSeen: null })
  })

  it('with maxRounds 1 tries once and never waits', async () => {
    const me = await nodes.start()
    const dead = await nodes.deadPeer()
    const { finder } = finderOn(me, await nodes.banList())
    finder.add(dead.peerId, [dead.addr])
    const waits: Array<WaitingInfo | null> = []
    expect(await finder.until(takeAll, { maxRounds: 1, onWaiting: w => { waits.push(w) } })).toEqual([])
    expect(waits).toEqual([])
    expect(finder.triedRoutes()).toEqual(['link'])
  })

  it('cuts a pause short when woken after a new peer is added, and reports the wait over', async () => {
    const me = await nodes.start()
    const dead = await nodes.deadPeer()
    const { finder } = finderOn(me, await nodes.banList())
    finder.add(dead.peerId, [dead.addr])
    const seeder = await nodes.start()
    const waits: Array<WaitingInfo | null> = []
    let nextTryAt = Infinity
    const found = finder.until(takeAll, {
      onWaiting: w => {
        waits.push(w)
        // The third pause (3 s) leaves a wide margin between a wake and the timer.
        if (waits.length === 3) {
          nextTryAt = w!.nextTryAt
          // During the pause, which starts once this report returns (a wake during a round is not kept).
          setImmediate(() => {
            finder.add(seeder.peerId.toString(), [addrOf(seeder)], 'hint')
            finder.wake()
          })
        }
      }
    })
    expect(await found).toEqual([seeder.peerId.toString()])
    expect(Date.now()).toBeLessThan(nextTryAt)
    expect(nextTryAt - waits[2]!.since).toBeGreaterThanOrEqual(BACKOFF_MS[0]! + BACKOFF_MS[1]! + BACKOFF_MS[2]!)
    // Found after waiting: the "waiting for peers" line is cleared.
    expect(waits.at(-1)).toBeNull()
    expect(waits).toHaveLength(4)
  })

  it('is woken when a peer it knows dials in, even at an address it could not reach', async () => {
    const [me, seeder] = await Promise.all([nodes.start(), nodes.start()])
    const dead = await nodes.deadPeer()
    const { finder } = finderOn(me, await nodes.banList())
    // Known only at a dead address: dialling out cannot work.
    finder.add(seeder.peerId.toString(), [dead.addr])
    let nextTryAt = Infinity
    let waits = 0
    const found = finder.until(takeAll, {
      onWaiting: w => {
        if (++waits === 3) {
          nextTryAt = w!.nextTryAt
          void seeder.dial(addrOf(me))
        }
      }
    })
    expect(await found).toEqual([seeder.peerId.toString()])
    expect(Date.now()).toBeLessThan(nextTryAt)
  })

  it('does not dial the peers excluded', async () => {
    const [me, a, b] = await Promise.all([nodes.start(), nodes.start(), nodes.start()])
    const { finder } = finderOn(me, await nodes.banList())
    finder.add(a.peerId.toString(), [addrOf(a)])
    finder.add(b.peerId.toString(), [addrOf(b)])
    const found = await finder.until(takeAll, { exclude: new Set([a.peerId.toString()]) })
    expect(found).toEqual([b.peerId.toString()])
    expect(isConnected(me, a)).toBe(false)
  })

  it('drops a forgotten peer for good', async () => {
    const [me, a, b] = await Promise.all([nodes.start(), nodes.start(), nodes.start()])
    const { finder } = finderOn(me, await nodes.banList())
    finder.add(a.peerId.toString(), [addrOf(a)])
    finder.add(b.peerId.toString(), [addrOf(b)])
    finder.forget(a.peerId.toString())
    expect([...finder.targets.keys()]).toEqual([b.peerId.toString()])
    expect(await finder.until(takeAll)).toEqual([b.peerId.toString()])
    expect(isConnected(me, a)).toBe(false)
  })

  it('never tries a banned peer, whether banned before it was named or after', async () => {
    const [me, early, late, good] = await Promise.all([nodes.start(), nodes.start(), nodes.start(), nodes.start()])
    const bans = await nodes.banList()
    // The finder's own check is what is tested: the node's connection gater is told of no ban.
    const { finder, discovered } = finderOn(me, bans)
    await bans.ban(early.peerId.toString(), 'test')
    expect(finder.add(early.peerId.toString(), [addrOf(early)], 'hint')).toBe(false)
    finder.remember([{ peerId: early.peerId.toString(), addrs: [addrOf(early).toString()], lastSeen: 1 }])
    expect(finder.targets.has(early.peerId.toString())).toBe(false)
    expect(discovered).toEqual([])

    finder.add(late.peerId.toString(), [addrOf(late)])
    finder.add(good.peerId.toString(), [addrOf(good)])
    await bans.ban(late.peerId.toString(), 'test')
    expect(await finder.until(takeAll)).toEqual([good.peerId.toString()])
    expect(isConnected(me, early)).toBe(false)
    expect(isConnected(me, late)).toBe(false)
  })

  it('learns the peer ID behind a bare address by dialling it', async () => {
    const [me, seeder] = await Promise.all([nodes.start(), nodes.start()])
    const { finder } = finderOn(me, await nodes.banList())
    finder.addBare(bareAddrOf(seeder))
    finder.addBare(bareAddrOf(seeder))
    expect(finder.targets.size).toBe(0)
    expect(await finder.until(takeAll)).toEqual([seeder.peerId.toString()])
    expect(finder.targets.get(seeder.peerId.toString())?.map(String)).toEqual([bareAddrOf(seeder)])
    expect(finder.triedRoutes()).toEqual(['link'])
  })

  it('does not take on an excluded peer found behind a bare address', async () => {
    const [me, seeder] = await Promise.all([nodes.start(), nodes.start()])
    const { finder } = finderOn(me, await nodes.banList())
    finder.addBare(bareAddrOf(seeder))
    expect(await finder.until(takeAll, { maxRounds: 1, exclude: new Set([seeder.peerId.toString()]) })).toEqual([])
    expect(finder.targets.has(seeder.peerId.toString())).toBe(false)
  })

  it('falls back on the peers already connected when asked to, leaving out banned ones', async () => {
    const [me, lan, banned] = await Promise.all([nodes.start(), nodes.start(), nodes.start()])
    const bans = await nodes.banList()
    await me.dial(addrOf(lan))
    await me.dial(addrOf(banned))
    await bans.ban(banned.peerId.toString(), 'test')
    const { finder } = finderOn(me, bans, { discover: true })
    expect(await finder.until(takeAll, { maxRounds: 1 })).toEqual([])
    expect(await finder.until(takeAll, { maxRounds: 1, withLan: true })).toEqual([lan.peerId.toString()])
    expect(finder.triedRoutes()).toEqual(['lan'])
  })
})

describe('PeerFinder routes tried', () => {
  it('names the link, remembered peers and the hub relay as tried, each once', async () => {
    const me = await nodes.start()
    const [hinted, remembered, hub] = [await nodes.deadPeer(), await nodes.deadPeer(), await nodes.deadPeer()]
    let withHub = false
    const { finder } = finderOn(me, await nodes.banList(), { hub: () => withHub ? hub : undefined })
    expect(finder.triedRoutes()).toEqual([])
    finder.add(hinted.peerId, [hinted.addr])
    await finder.until(takeAll, { maxRounds: 1 })
    expect(finder.triedRoutes()).toEqual(['link'])
    finder.remember([{ peerId: remembered.peerId, addrs: [remembered.addr.toString()], lastSeen: 5 }])
    withHub = true
    await finder.until(takeAll, { maxRounds: 1 })
    expect(finder.triedRoutes().sort()).toEqual(['link', 'relay', 'remembered'])
  })
})

describe('PeerFinder memory of peers', () => {
  it('gives back the peers it was told to remember, and adds them as candidates once', async () => {
    const me = await nodes.start()
    const [a, b] = [await nodes.deadPeer(), await nodes.deadPeer()]
    const { finder, discovered } = finderOn(me, await nodes.banList())
    const peers = [
      { peerId: a.peerId, addrs: [a.addr.toString()], lastSeen: 10 },
      { peerId: b.peerId, addrs: [b.addr.toString(), 'garbage'], lastSeen: 20 }
    ]
    finder.remember(peers)
    expect(finder.knownPeers()).toEqual(peers)
    expect(finder.targets.get(b.peerId)?.map(String)).toEqual([b.addr.toString()])
    expect(discovered).toEqual([['remembered', [a.peerId, b.peerId]]])
    finder.remember(peers)
    expect(discovered).toHaveLength(1)
    expect(finder.knownPeers()).toEqual(peers)
  })

  it('remembers a peer it exchanged pieces with, newest sighting first in the waiting line', async () => {
    const me = await nodes.start()
    const dead = await nodes.deadPeer()
    const { finder } = finderOn(me, await nodes.banList())
    finder.remember([{ peerId: dead.peerId, addrs: [], lastSeen: 1 }])
    const before = Date.now()
    const addrs = Array.from({ length: 10 }, (_, i) => `/ip4/127.0.0.1/tcp/${4000 + i}`)
    finder.seen('12D3KooWseen', addrs)
    const seen = finder.knownPeers().find(p => p.peerId === '12D3KooWseen')!
    // At most eight addresses are kept per peer.
    expect(seen.addrs).toEqual(addrs.slice(0, 8))
    expect(seen.lastSeen).toBeGreaterThanOrEqual(before)
    // Not waiting yet: nothing to report.
    expect(finder.waiting(0)).toBeNull()
    finder.add(dead.peerId, [dead.addr])
    let w: WaitingInfo | null = null
    await finder.until(takeAll, { maxRounds: 2, onWaiting: x => { w = x } })
    expect(w).toMatchObject({ lastSeen: { peerId: '12D3KooWseen', at: seen.lastSeen } })
  })
})
