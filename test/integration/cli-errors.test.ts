import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { getArgs, getter, LOOPBACK, runToEnd, useScratch } from '../helpers/cli.js'

const CID = 'bafyreiavau7zsxo6akkm27776ksy427p6jwhxuu36fk3u2hynhfrm3uq2y'

describe('CLI errors', () => {
  const { dir } = useScratch('swarmdrop-cli-errors-', { per: 'suite' })
  /** Every get here is the one node whose data folder is `data`. */
  const get = getter({ folder: dir, common: () => ['--listen', LOOPBACK] })

  it.each([
    ['a malformed link', 'swarmdrop://not-a-cid', /bad content ID/],
    ['a link with another scheme', 'https://example.com/x', /not a swarmdrop:\/\/ link/],
    ['a CID of the wrong kind', 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG', /CIDv1/],
    ['a link with a bad peer', `swarmdrop://${CID}?peer=bob`, /not a peer ID/]
  ])('explains %s in one line, without a stack trace', async (_what, target, message) => {
    const res = await get.toEnd(target, 'data')
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(message)
    expect(res.stderr.trim().split('\n')).toHaveLength(1)
    expect(res.stderr).toMatch(/^swarmdrop: /)
  })

  it('with nobody to download from, waits for the stall timeout, then says what it tried and what to do', async () => {
    const started = Date.now()
    const res = await get.toEnd(CID, 'data', ['--stall-timeout', '2'])
    expect(res.code).toBe(1)
    expect(Date.now() - started).toBeGreaterThan(2_000)
    expect(res.stderr).toMatch(/^swarmdrop: Nobody sharing this could be found\. There was nobody to ask: no peers were named and this node is connected to no one\. Check the network connection, or add a bootstrap peer or a hub .*\(gave up after 2 s\)$/m)
    expect(res.stderr.trim().split('\n')).toHaveLength(1)
  })

  it('says when the given peer cannot be reached, after saying it is waiting for it', async () => {
    const res = await get.toEnd(CID, 'data', ['--stall-timeout', '2', '--json', '--peer', '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWG6yVuLfh2p3zBxkupsyVnrZE4e71WW3jDz4fwE5KSuEB'])
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(/Nobody sharing this could be reached \(1 peer known\)\. Tried: the named peer \(no answer\)\. Ask the sharer to stay online/)
    const waiting = res.events.find(e => e.event === 'waiting')
    expect(waiting).toMatchObject({ cid: CID, known: 1, lastSeen: null })
  })

  it('rejects a --peer that is neither a multiaddr nor a peer ID', async () => {
    const res = await get.toEnd(CID, 'data', ['--peer', 'localhost:4001'])
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(/neither a multiaddr nor a peer ID/)
  })

  it('exits 2 with usage help when --out is missing', async () => {
    const res = await runToEnd(getArgs(CID, { data: join(dir(), 'data') }, ['--listen', LOOPBACK]))
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(/--out/)
  })

  it('refuses to share a path that does not exist', async () => {
    const res = await runToEnd(['share', join(dir(), 'nope'), '--data', join(dir(), 'data'), '--listen', LOOPBACK, '--json'])
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(/no such file or folder/)
    expect(res.events).toEqual([{ event: 'error', code: 'PATH_NOT_FOUND', message: expect.stringContaining('nope') as unknown }])
  })

  it('keeps the same peer ID across restarts', async () => {
    const a = await runToEnd(['id', '--data', join(dir(), 'id'), '--json'])
    const b = await runToEnd(['id', '--data', join(dir(), 'id'), '--json'])
    expect(a.code).toBe(0)
    expect(a.events[0]!.peerId).toMatch(/^12D3KooW/)
    expect(b.events[0]!.peerId).toBe(a.events[0]!.peerId)
  })
})
