import { execFileSync } from 'node:child_process'
import { mkdir, open, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LOOPBACK, MiB, randomFile, runToEnd, sha256File, share, sourcesOf, useScratch } from '../helpers/cli.js'

describe('a download beside an honest seeder and a lying one', () => {
  const { dir, track } = useScratch()

  it('finishes bit-exact from the honest seeder when the other\'s copy was altered in place (size and mtime kept)', async () => {
    const good = join(dir(), 'good', 'data.bin')
    const bad = join(dir(), 'bad', 'data.bin')
    await mkdir(join(dir(), 'good'))
    await mkdir(join(dir(), 'bad'))
    const hash = await randomFile(good, 24 * MiB)
    await writeFile(bad, await readFile(good))
    const g = await share([good], join(dir(), 'g'))
    const b = await share([bad], join(dir(), 'b'))
    track(g.proc)
    track(b.proc)
    expect(b.sharing.cid).toBe(g.sharing.cid)
    // Piece 48 of the liar's copy changes; its size and mtime (to the nanosecond, as `touch -r`
    // keeps it) do not, so its sharer cannot tell.
    const ref = join(dir(), 'mtime-ref')
    await writeFile(ref, '')
    execFileSync('touch', ['-r', bad, ref])
    const fh = await open(bad, 'r+')
    await fh.write(Buffer.alloc(4096, 0x5a), 0, 4096, 48 * 256 * 1024 + 1000)
    await fh.close()
    execFileSync('touch', ['-r', ref, bad])

    const out = join(dir(), 'out')
    const res = await runToEnd(['get', g.sharing.cid, '--peer', b.sharing.addrs[0]!, '--peer', g.sharing.addrs[0]!, '--out', out, '--data', join(dir(), 'c'), '--listen', LOOPBACK, '--no-mdns', '--json', '--stall-timeout', '15'])
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    const done = res.first('done')!
    expect(done.banned).toEqual([])
    // Both served (the liar's copy is right but for one piece), and the honest seeder gave piece 48.
    expect(Object.keys(sourcesOf(done)).sort()).toEqual([g.sharing.peerId, b.sharing.peerId].sort())
    expect(await sha256File(join(out, 'data.bin'))).toBe(hash)
  })
})
