import { describe, expect, it } from 'vitest'
import { Bitfield } from '../../../../shared/bitfield.js'
import type { UploadSlot } from '../../../../src-main/engine/protocols/pieces/index.js'
import { InitialSeeding } from '../../../../src-main/engine/serving/initial-seeding.js'

const COUNT = 64

/** A downloader as the uploader sees it: what it was shown, and what it holds. */
function slot (peerId: string, count = COUNT): UploadSlot & { shown: number[] } {
  const shown: number[] = []
  return {
    peerId,
    cid: 'c',
    pieceCount: count,
    theirs: new Bitfield(count),
    shown,
    setChoked: () => {},
    deny: () => {},
    withdraw: () => {},
    announce: i => { shown.push(i) }
  }
}

/** Opens `s` and records the first bitfield as shown pieces. */
function open (plan: InitialSeeding, s: ReturnType<typeof slot>, choked = false): Bitfield | null {
  const first = plan.open(s, choked)
  if (first != null) for (let i = 0; i < first.size; i++) if (first.get(i)) s.shown.push(i)
  return first
}

/** The downloader asks for everything it was shown and has not asked for, and gets it. */
function takeAll (plan: InitialSeeding, s: ReturnType<typeof slot>, asked: Set<number>): number {
  let n = 0
  for (let k = 0; k < s.shown.length && !plan.finished; k++) {
    const i = s.shown[k]!
    if (asked.has(i)) continue
    asked.add(i)
    plan.requested(s, i)
    plan.sent(i)
    // It verifies the piece and says so, as a downloader does.
    s.theirs.set(i)
    plan.theyHave(s, [i])
    n++
  }
  return n
}

describe('InitialSeeding', () => {
  it('shows each downloader a few pieces nobody else was shown, one more per request', () => {
    const plan = new InitialSeeding(COUNT, 4)
    const a = slot('a')
    const b = slot('b')
    open(plan, a)
    open(plan, b)
    expect(a.shown).toHaveLength(4)
    expect(b.shown).toHaveLength(4)
    expect(a.shown.filter(i => b.shown.includes(i))).toEqual([])
    plan.requested(a, a.shown[0]!)
    expect(a.shown).toHaveLength(5)
    expect(b.shown).not.toContain(a.shown[4])
  })

  it('sends every piece once before any twice, then shows everyone everything', () => {
    const plan = new InitialSeeding(COUNT, 4)
    const peers = ['a', 'b', 'c'].map(id => slot(id))
    for (const p of peers) open(plan, p)
    const asked = peers.map(() => new Set<number>())
    const sent = new Uint8Array(COUNT)
    // Round by round each downloader takes what it was shown; nothing goes out twice while pieces are left.
    while (!plan.finished) {
      let moved = 0
      for (const [k, p] of peers.entries()) {
        const before = [...asked[k]!]
        moved += takeAll(plan, p, asked[k]!)
        for (const i of asked[k]!) if (!before.includes(i)) sent[i]!++
      }
      expect(moved).toBeGreaterThan(0)
    }
    expect([...sent].every(n => n === 1)).toBe(true)
    // Finished: each was then shown the rest.
    for (const p of peers) expect(new Set(p.shown).size).toBe(COUNT)
    expect(open(plan, slot('late'))).toBeNull()
  })

  it('shows nothing twice while pieces are left, unless the one shown it let it sit', () => {
    let now = 0
    const plan = new InitialSeeding(8, 4, Math.random, () => now)
    const a = slot('a', 8)
    const b = slot('b', 8)
    const c = slot('c', 8)
    open(plan, a)
    open(plan, b)
    open(plan, c)
    // Eight pieces, four each to a and b: c is shown nothing until a piece sits unasked.
    expect(c.shown).toEqual([])
    plan.setChoked(c, true)
    plan.setChoked(c, false)
    expect(c.shown).toEqual([])
    now += 11_000
    plan.setChoked(c, true)
    plan.setChoked(c, false)
    expect(c.shown).toHaveLength(4)
    expect(c.shown.every(i => a.shown.includes(i) || b.shown.includes(i))).toBe(true)
  })

  it('shows a piece again once nobody connected holds it: the one it went to left or lost it', () => {
    const plan = new InitialSeeding(8, 4, () => 0)
    const a = slot('a', 8)
    open(plan, a)
    // a takes pieces 0-3, then is killed before verifying them.
    for (const i of [...a.shown]) { plan.requested(a, i); plan.sent(i) }
    plan.close(a)
    // Its next run holds pieces 4-7 from elsewhere: there is nothing unsent left to show it, so the lost ones come again.
    const again = slot('a2', 8)
    for (const i of [4, 5, 6, 7]) again.theirs.set(i)
    open(plan, again)
    plan.theyHave(again, [4, 5, 6, 7])
    expect(again.shown.sort((x, y) => x - y)).toEqual([0, 1, 2, 3])
  })

  it('does not show a sent piece again while a connected downloader holds it', () => {
    const plan = new InitialSeeding(4, 4, () => 0)
    const a = slot('a', 4)
    open(plan, a)
    for (const i of [...a.shown].slice(0, 2)) { plan.requested(a, i); plan.sent(i); a.theirs.set(i); plan.theyHave(a, [i]) }
    const b = slot('b', 4)
    open(plan, b)
    // 0 and 1 went out and a holds them; 2 and 3 are still shown to a: b gets nothing from us yet.
    expect(b.shown).toEqual([])
  })

  it('does not show a downloader what it already holds', () => {
    const plan = new InitialSeeding(COUNT, 4)
    const a = slot('a')
    for (let i = 0; i < COUNT; i++) if (i !== 7 && i !== 9) a.theirs.set(i)
    open(plan, a)
    expect(a.shown.sort((x, y) => x - y)).toEqual([7, 9])
  })

  it('frees what a downloader got elsewhere and shows it another piece', () => {
    const plan = new InitialSeeding(COUNT, 2, () => 0)
    const a = slot('a')
    open(plan, a)
    const [first] = a.shown
    expect(plan.offeredCount(first!)).toBe(1)
    a.theirs.set(first!)
    plan.theyHave(a, [first!])
    expect(plan.offeredCount(first!)).toBe(0)
    expect(a.shown).toHaveLength(3)
  })

  it('shows a choked downloader nothing, returns its pieces to the pool, and shows it more once unchoked', () => {
    const plan = new InitialSeeding(COUNT, 4)
    const a = slot('a')
    expect(open(plan, a, true)!.count()).toBe(0)
    plan.setChoked(a, false)
    expect(a.shown).toHaveLength(4)
    plan.setChoked(a, true)
    for (const i of a.shown) expect(plan.offeredCount(i)).toBe(0)
    const b = slot('b')
    open(plan, b)
    // Pieces a was shown but could not ask for are the least handed out, so b may get them now.
    expect(b.shown).toHaveLength(4)
  })

  it('gives the pieces of a downloader that left to the others', () => {
    const plan = new InitialSeeding(4, 4)
    const a = slot('a', 4)
    const first = plan.open(a, false)!
    expect(first.count()).toBe(4)
    plan.close(a)
    for (let i = 0; i < 4; i++) expect(plan.offeredCount(i)).toBe(0)
  })
})
