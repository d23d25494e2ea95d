import { describe, expect, it } from 'vitest'
import { CandidateInbox } from '../../../../src-main/engine/download/candidate-inbox.js'

describe('CandidateInbox: peers offered before the swarm can dial them', () => {
  it('holds what arrives early and hands it over in order when the swarm starts, then passes each straight on', () => {
    const inbox = new CandidateInbox<string>()
    inbox.push('a')
    inbox.push('b')
    const got: string[] = []
    inbox.open(c => got.push(c))
    expect(got).toEqual(['a', 'b'])
    inbox.push('c')
    expect(got).toEqual(['a', 'b', 'c'])
  })

  it('is bounded: a flood before the start costs a fixed amount, and the excess is counted', () => {
    const inbox = new CandidateInbox<number>(3)
    for (let i = 0; i < 10; i++) inbox.push(i)
    const got: number[] = []
    inbox.open(c => got.push(c))
    expect(got).toEqual([0, 1, 2])
    expect(inbox.dropped).toBe(7)
  })
})
