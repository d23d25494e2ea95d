import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { pieceCount } from '../../shared/manifest.js'
import { decodeManifest } from '../../src-main/engine/content/manifest-codec.js'
import { hostileLeecher, hostileSeeder, type SeederMode } from '../helpers/hostile-peer.js'
import { ISOLATED, MiB, randomFile, run, runToEnd, sha256File, share, useScratch } from '../helpers/cli.js'

/** A downloader of 32 MiB normally peaks near 200 MB here; a hostile peer must not push it far past that. */
const RSS_BOUND_BYTES = 400 * MiB

/** Peak resident memory of a running process, sampled until it exits. */
function watchRss (pid: number): { peak: () => number, stop: () => void } {
  let peak = 0
  const timer = setInterval(() => {
    readFile(`/proc/${pid}/status`, 'utf8').then(s => {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0)
      peak = Math.max(peak, kb * 1024)
    }, () => {})
  }, 100)
  return { peak: () => peak, stop: () => { clearInterval(timer) } }
}

describe('hostile peers: the honest node stays up, memory stays bounded, the download completes from honest peers', () => {
  const { dir, track } = useScratch()

  it('downloads bit-exact beside seeders that send oversized frames, wrong pieces, unasked pieces, endless frames and slow drips', async () => {
    const src = join(dir(), 'target.bin')
    const hash = await randomFile(src, 32 * MiB)
    // Rate-limited so that the hostile peers get their share of the requests before the honest one has sent everything.
    const honest = await share([src], join(dir(), 'honest'), ['--no-mdns', '--up-limit', '8MB'])
    track(honest.proc)
    const cid = honest.sharing.cid
    const manifestBytes = await readFile(join(dir(), 'honest', 'shares', `${cid}.cbor`))
    const manifest = decodeManifest(manifestBytes, CID.parse(cid))
    const modes: SeederMode[] = ['oversized', 'wrong', 'unrequested', 'endless', 'drip']
    const liars = await Promise.all(modes.map(async m => track(await hostileSeeder(manifestBytes, manifest.pieceSize, pieceCount(manifest), m))))

    // The hostile peers are named first: they get the first requests.
    const peers = [...liars.map(l => ['--peer', l.addr]).flat(), '--peer', honest.sharing.addrs[0]!]
    const getter = run(['get', cid, ...peers, '--out', join(dir(), 'out'), '--data', join(dir(), 'getter'), ...ISOLATED])
    track(getter)
    const rss = watchRss(getter.child.pid!)
    const done = await getter.waitForEvent('done', () => true, 120_000)
    rss.stop()
    expect(await getter.stop()).toBe(0)
    expect(await sha256File(join(dir(), 'out', 'target.bin'))).toBe(hash)
    // The one that sent wrong pieces is banned for it, and the ban is on disk.
    expect(done.banned).toContain(liars[1]!.peerId)
    const bans = JSON.parse(await readFile(join(dir(), 'getter', 'bans.json'), 'utf8')) as Record<string, unknown>
    expect(Object.keys(bans)).toContain(liars[1]!.peerId)
    expect(rss.peak()).toBeGreaterThan(0)
    expect(rss.peak()).toBeLessThan(RSS_BOUND_BYTES)
    // The honest seeder carried the file.
    expect(done.sources[honest.sharing.peerId]!.bytes).toBeGreaterThan(16 * MiB)
  })

  it('a seeder survives downloaders that send oversized frames, flood requests and open streams without end, bans the repeat offenders, and still serves honest peers', async () => {
    const src = join(dir(), 'served.bin')
    const hash = await randomFile(src, 4 * MiB)
    const seeder = await share([src], join(dir(), 'seeder'), ['--no-mdns'])
    track(seeder.proc)
    const addr = seeder.sharing.addrs[0]!
    const cidBytes = CID.parse(seeder.sharing.cid).bytes

    const oversized = track(await hostileLeecher(addr, cidBytes, 'oversized'))
    const flood = track(await hostileLeecher(addr, cidBytes, 'request-flood'))
    const streams = track(await hostileLeecher(addr, cidBytes, 'stream-flood'))
    // A protocol violation ends the offending stream at once (PieceExchange aborts it): the
    // attacker reads an early end, not 30 s of silence.
    expect(await oversized.attack()).toBe('UnexpectedEOFError')
    expect(await flood.attack()).toBe('UnexpectedEOFError')
    // A second crosses the ban threshold: the seeder ends the stream and hangs up the connection,
    // and the attacker notices whichever comes first.
    expect(['UnexpectedEOFError', 'connection closed']).toContain(await oversized.attack())
    expect(['UnexpectedEOFError', 'connection closed']).toContain(await flood.attack())
    expect(await streams.attack()).toMatch(/streams opened/)

    // The ban is written as the offending stream is reset: the file follows.
    const banned = async (): Promise<string[]> => Object.keys(JSON.parse(await readFile(join(dir(), 'seeder', 'bans.json'), 'utf8').catch(() => '{}')) as object).sort()
    await expect.poll(banned, { timeout: 5_000 }).toEqual([oversized.peerId, flood.peerId].sort())
    // A banned peer cannot even connect again.
    await expect(oversized.attack()).rejects.toThrow()

    const res = await runToEnd(['get', seeder.sharing.link, '--out', join(dir(), 'out'), '--data', join(dir(), 'honest'), ...ISOLATED])
    expect(res.code).toBe(0)
    expect(await sha256File(join(dir(), 'out', 'served.bin'))).toBe(hash)
    expect(seeder.proc.child.exitCode).toBeNull()
  })
})
