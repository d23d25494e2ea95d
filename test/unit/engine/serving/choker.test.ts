import { describe, expect, it } from 'vitest'
import type { UploadSlot } from '../../../../src-main/engine/protocols/pieces/index.js'
import { Bitfield } from '../../../../shared/bitfield.js'
import { Choker } from '../../../../src-main/engine/serving/choker.js'
import { SwarmRegistry } from '../../../../src-main/engine/swarm/registry.js'

function slot (peerId: string): UploadSlot & { choked: boolean } {
  const s = { peerId, cid: 'c', pieceCount: 1, theirs: new Bitfield(1), choked: false, setChoked: (v: boolean) => { s.choked = v }, deny: () => {}, withdraw: () => {}, announce: () => {} }
  return s
}

describe('Choker', () => {
  it('unchokes newcomers while slots are free, then chokes the rest', () => {
    const choker = new Choker(() => 0, 2)
    const peers = ['a', 'b', 'c', 'd'].map(slot)
    expect(peers.map(p => choker.add(p))).toEqual([true, true, true, false])
  })

  it('keeps the best givers plus one optimistic slot at each round', () => {
    const rank: Record<string, number> = { a: 10, b: 50, c: 30, d: 0, e: 0 }
    const choker = new Choker(s => rank[s.peerId]!, 2, () => 0)
    const peers = Object.keys(rank).map(slot)
    for (const p of peers) if (!choker.add(p)) p.choked = true
    choker.rechoke()
    const unchoked = peers.filter(p => !p.choked).map(p => p.peerId).sort()
    expect(unchoked).toContain('b')
    expect(unchoked).toContain('c')
    expect(unchoked).toHaveLength(3)
    expect(choker.unchokedCount).toBe(3)
  })

  it('hands a freed slot to a choked downloader at once', () => {
    const choker = new Choker(() => 0, 1, () => 0)
    const [a, b, c] = ['a', 'b', 'c'].map(slot)
    choker.add(a!)
    choker.add(b!)
    c!.choked = !choker.add(c!)
    expect(c!.choked).toBe(true)
    choker.remove(a!)
    expect(c!.choked).toBe(false)
  })
})

describe('SwarmRegistry', () => {
  it('lists members of a swarm except the asker, and forgets old ones', () => {
    let now = 0
    const reg = new SwarmRegistry(() => now)
    reg.touch('cid', 'a')
    reg.touch('cid', 'b')
    expect(reg.peers('cid', 'a')).toEqual(['b'])
    now = 11 * 60 * 1000
    reg.touch('cid', 'c')
    expect(reg.peers('cid')).toEqual(['c'])
  })

  it('counts bytes each way per round', () => {
    const reg = new SwarmRegistry()
    reg.countReceived('a', 10)
    reg.countReceived('a', 5)
    reg.countSent('b', 7)
    const round = reg.takeRound()
    expect(round.received.get('a')).toBe(15)
    expect(round.sent.get('b')).toBe(7)
    expect(reg.takeRound().received.size).toBe(0)
  })
})
