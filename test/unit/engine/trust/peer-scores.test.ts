import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BanList } from '../../../../src-main/engine/persistence/ban-list.js'
import { BAN_THRESHOLD, FORGIVE_PER_MINUTE, PeerScores, SCORE_BAN_MS } from '../../../../src-main/engine/trust/peer-scores.js'
import { StateFiles } from '../../../../src-main/engine/persistence/json-file.js'

describe('PeerScores', () => {
  let dir: string
  let now: number
  let bans: BanList
  let dropped: string[]
  let scores: PeerScores

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'swarmdrop-scores-'))
    now = 1_000_000
    bans = new BanList(new StateFiles(dir), () => now)
    await bans.load()
    dropped = []
    scores = new PeerScores(bans, async id => { dropped.push(id) }, () => {}, () => now)
  })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('bans on the third bad piece, the second violation, or the seventh timeout, and drops the connection', async () => {
    expect(await scores.penalize('liar', 'hash-fail', 'x')).toBe(false)
    expect(await scores.penalize('liar', 'hash-fail', 'x')).toBe(false)
    expect(await scores.penalize('liar', 'hash-fail', 'bad pieces')).toBe(true)
    expect(await scores.penalize('rude', 'violation', 'x')).toBe(false)
    expect(await scores.penalize('rude', 'violation', 'oversized frame')).toBe(true)
    for (let i = 0; i < 6; i++) expect(await scores.penalize('slow', 'timeout', 'x')).toBe(false)
    expect(await scores.penalize('slow', 'timeout', 'stalled')).toBe(true)
    expect(dropped).toEqual(['liar', 'rude', 'slow'])
    expect(bans.list().map(b => [b.peerId, b.reason, b.until])).toEqual([['liar', 'bad pieces', now + SCORE_BAN_MS], ['rude', 'oversized frame', now + SCORE_BAN_MS], ['slow', 'stalled', now + SCORE_BAN_MS]])
  })

  it('forgives with time, so an honest peer with a rare bad moment is never banned', async () => {
    await scores.penalize('flaky', 'violation', 'x')
    now += Math.ceil(50 / FORGIVE_PER_MINUTE) * 60_000
    expect(scores.list()).toEqual([])
    expect(await scores.penalize('flaky', 'violation', 'x')).toBe(false)
    expect(scores.list()).toEqual([{ peerId: 'flaky', points: 50, last: 'x' }])
    expect(BAN_THRESHOLD).toBe(100)
  })

  it('keeps bans across a restart', async () => {
    await scores.penalize('rude', 'violation', 'a')
    await scores.penalize('rude', 'violation', 'b')
    const again = new BanList(new StateFiles(dir), () => now)
    await again.load()
    expect(again.isBanned('rude')).toBe(true)
    now += SCORE_BAN_MS + 1
    expect(again.isBanned('rude')).toBe(false)
  })
})
