import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Bitfield } from '../../shared/bitfield.js'
import { getter, isEvent, ISOLATED, MiB, randomFile, run, runToEnd, sha256File, share, sourcesOf, useScratch, type CliProcess } from '../helpers/cli.js'
import type { DoneEvent } from '../../shared/transfer.js'

/** Every process here finds others only through what the test gives it: no LAN discovery. */

describe('the swarm: DHT, peer exchange, many peers at once', () => {
  const { dir, track } = useScratch()

  const startHub = async (): Promise<string> => {
    const hub = track(run(['hub', '--data', join(dir(), 'hub'), ...ISOLATED]))
    const ev = await hub.waitForEvent('listening')
    return ev.addrs[0]!
  }

  const get = getter({ folder: dir, common: () => ISOLATED, spawn: args => track(run(args)) })

  const doneOf = async (p: CliProcess, timeoutMs = 90_000): Promise<DoneEvent> => await p.waitForEvent('done', () => true, timeoutMs)

  it('finds the seeder through the DHT knowing only the CID and a bootstrap address', async () => {
    const hub = await startHub()
    const src = join(dir(), 'found.bin')
    const hash = await randomFile(src, 5 * MiB)
    const seeder = await share([src], join(dir(), 'seeder'), ['--bootstrap', hub, '--no-mdns'])
    track(seeder.proc)
    // No wait for the provider record: the record goes out in the background, and get keeps looking until it is there.
    const res = await runToEnd(['get', seeder.sharing.cid, '--bootstrap', hub, '--out', join(dir(), 'out'), '--data', join(dir(), 'leecher'), ...ISOLATED])
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    expect(sourcesOf(res.first('done')!)[seeder.sharing.peerId]!.bytes).toBe(5 * MiB)
    expect(await sha256File(join(dir(), 'out', 'found.bin'))).toBe(hash)
    // The bootstrap address was remembered: a second run needs no --bootstrap.
    expect(JSON.parse(await readFile(join(dir(), 'leecher', 'bootstrap.json'), 'utf8'))).toEqual([hub])
  })

  it('lists a peer\'s catalog by bare peer ID, found through the DHT, and downloads from it by that ID', async () => {
    const hub = await startHub()
    const a = join(dir(), 'a.txt')
    const b = join(dir(), 'b.bin')
    await randomFile(a, 1000)
    await randomFile(b, 3 * MiB)
    const first = await share([a], join(dir(), 'sharer'), ['--bootstrap', hub, '--no-mdns'])
    await first.proc.stop()
    const second = await share([b], join(dir(), 'sharer'), ['--bootstrap', hub, '--no-mdns'])
    track(second.proc)

    const res = await runToEnd(['browse', second.sharing.peerId, '--bootstrap', hub, '--data', join(dir(), 'browser'), ...ISOLATED])
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    const shares = res.events.filter(e => e.event === 'share').map(e => ({ cid: e.cid, name: e.name, size: e.size, files: e.files }))
    expect(shares).toEqual(expect.arrayContaining([
      { cid: first.sharing.cid, name: 'a.txt', size: 1000, files: 1 },
      { cid: second.sharing.cid, name: 'b.bin', size: 3 * MiB, files: 1 }
    ]))
    expect(shares).toHaveLength(2)

    // …and downloads from it by bare peer ID: its address comes from DHT peer routing.
    const got = await runToEnd(['get', second.sharing.cid, '--peer', second.sharing.peerId, '--out', join(dir(), 'out'), '--data', join(dir(), 'browser'), ...ISOLATED])
    expect(got.code).toBe(0)
    expect(Object.keys(sourcesOf(got.first('done')!))).toEqual([second.sharing.peerId])
  })

  it('says clearly when a bare peer ID cannot be found', async () => {
    const hub = await startHub()
    const res = await runToEnd(['browse', '12D3KooWG6yVuLfh2p3zBxkupsyVnrZE4e71WW3jDz4fwE5KSuEB', '--bootstrap', hub, '--data', join(dir(), 'browser'), ...ISOLATED])
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(/could not find peer 12D3KooWG6yVuLfh2p3zBxkupsyVnrZE4e71WW3jDz4fwE5KSuEB/)
  })

  it('one rate-limited seeder and five leechers: all finish bit-exact, mostly from each other', async () => {
    const hub = await startHub()
    const src = join(dir(), 'swarm.bin')
    const size = 12 * MiB
    const hash = await randomFile(src, size)
    const seeder = await share([src], join(dir(), 'seeder'), ['--bootstrap', hub, '--no-mdns', '--up-limit', '1MB'])
    track(seeder.proc)
    const leechers = Array.from({ length: 5 }, (_, i) => get.start(seeder.sharing.link, `leecher${i}`, ['--bootstrap', hub, '--seed']))
    const dones = await Promise.all(leechers.map(async l => await doneOf(l, 110_000)))

    let fromSeeder = 0
    let fromLeechers = 0
    for (const [i, done] of dones.entries()) {
      expect(await sha256File(join(dir(), `leecher${i}-out`, 'swarm.bin'))).toBe(hash)
      for (const [peer, s] of Object.entries(sourcesOf(done))) {
        if (peer === seeder.sharing.peerId) fromSeeder += s.bytes
        else fromLeechers += s.bytes
      }
    }
    // At 1 MB/s the seeder alone could not have served five copies in the time it took:
    // the leechers must have traded pieces, and the byte counts say so.
    expect(fromSeeder + fromLeechers).toBeGreaterThanOrEqual(5 * size)
    expect(fromLeechers).toBeGreaterThan(0.4 * 5 * size)
  }, 150_000)

  it('keeps going when the seeder leaves once every piece exists somewhere in the swarm', async () => {
    const hub = await startHub()
    const src = join(dir(), 'leave.bin')
    const size = 8 * MiB
    const hash = await randomFile(src, size)
    const seeder = await share([src], join(dir(), 'seeder'), ['--bootstrap', hub, '--no-mdns', '--up-limit', '2MB'])
    track(seeder.proc)
    // Leechers slowed down so the swarm is still mid-way when the seeder goes: at 400 KB/s each
    // takes ~21 s, while the union is complete after ~7 s plus up to 5 s of checkpoint lag.
    const leechers = Array.from({ length: 3 }, (_, i) => get.start(seeder.sharing.link, `l${i}`, ['--bootstrap', hub, '--seed', '--down-limit', '400KB']))

    // Each leecher checkpoints its verified pieces to disk; the union of those is what the swarm holds.
    const pieces = Math.ceil(size / (256 * 1024))
    const deadline = Date.now() + 60_000
    while (true) {
      const union = new Bitfield(pieces)
      for (let i = 0; i < 3; i++) {
        const base = join(dir(), `l${i}`, 'downloads')
        for (const d of await readdir(base).catch(() => [] as string[])) {
          const state = JSON.parse(await readFile(join(base, d, 'state.json'), 'utf8').catch(() => '{}')) as { bitfield?: string }
          if (state.bitfield == null) continue
          const bf = new Bitfield(pieces, Buffer.from(state.bitfield, 'base64'))
          for (let p = 0; p < pieces; p++) if (bf.get(p)) union.set(p)
        }
      }
      if (union.isComplete()) break
      expect(Date.now()).toBeLessThan(deadline)
      await new Promise(resolve => setTimeout(resolve, 250))
    }
    const stillRunning = leechers.filter(l => !l.events.some(e => e.event === 'done'))
    expect(stillRunning.length).toBeGreaterThan(0)
    await seeder.proc.stop('SIGKILL')

    const dones = await Promise.all(leechers.map(async l => await doneOf(l, 90_000)))
    for (let i = 0; i < 3; i++) expect(await sha256File(join(dir(), `l${i}-out`, 'leave.bin'))).toBe(hash)
    // Those still running when the seeder went finished from the other leechers alone.
    for (const l of stillRunning) {
      const from = sourcesOf(dones[leechers.indexOf(l)]!)
      const others = Object.entries(from).filter(([id]) => id !== seeder.sharing.peerId).reduce((n, [, s]) => n + s.bytes, 0)
      expect(others).toBeGreaterThan(0)
    }
  }, 150_000)

  it.each([
    ['an upload limit on the seeder', ['--up-limit', '2MB'], []],
    ['a download limit on the leecher', [], ['--down-limit', '2MB']]
  ])('holds %s within 15%% over a 10-second window', async (_what, seedArgs, getArgs) => {
    const src = join(dir(), 'paced.bin')
    await randomFile(src, 40 * MiB)
    const seeder = await share([src], join(dir(), 'seeder'), ['--no-mdns', ...seedArgs])
    track(seeder.proc)
    const leecher = get.start(seeder.sharing.link, 'leecher', ['--progress-interval', '100', ...getArgs])
    const moving = await leecher.waitForEvent('progress', e => e.bytes > 0)
    const from = leecher.times[leecher.indexOf(moving)]!
    // Two seconds to settle, then ten to measure, then half a second for the last sample.
    await leecher.waitFor(e => e.event === 'progress' && leecher.times[leecher.events.indexOf(e)]! >= from + 12_500, 30_000)
    const samples = leecher.events.flatMap((e, i) => isEvent(e, 'progress') ? [{ e, t: leecher.times[i]! }] : [])
    const first = samples.find(({ e }) => e.bytes > 0)!
    const start = samples.find(({ t }) => t >= first.t + 2_000)!
    const end = samples.findLast(({ t }) => t <= start.t + 10_000)!
    expect(end.t - start.t).toBeGreaterThan(9_500)
    const rate = (end.e.bytes - start.e.bytes) / ((end.t - start.t) / 1000)
    expect(rate).toBeGreaterThan(2e6 * 0.85)
    expect(rate).toBeLessThan(2e6 * 1.15)
  }, 60_000)
})
