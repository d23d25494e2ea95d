import { execFileSync } from 'node:child_process'
import { mkdir, open, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import { pieceCount } from '../../shared/manifest.js'
import { decodeManifest } from '../../src-main/engine/content/manifest-codec.js'
import { hostileSeeder } from '../helpers/hostile-peer.js'
import { getArgs, LOOPBACK, MiB, randomFile, run, runToEnd, sha256File, share, sourcesOf, useScratch } from '../helpers/cli.js'


describe('share and get between real processes on loopback', () => {
  const { dir, track } = useScratch()

  it('transfers a random 64 MiB file bit-exact and reports the bytes per peer', async () => {
    const src = join(dir(), 'big.bin')
    const hash = await randomFile(src, 64 * MiB)
    const seeder = await share([src], join(dir(), 'seed-data'))
    track(seeder.proc)
    expect(seeder.sharing.link).toMatch(/^swarmdrop:\/\/bafy/)
    expect(seeder.sharing.addrs.every(a => a.endsWith(`/p2p/${seeder.sharing.peerId}`))).toBe(true)

    const out = join(dir(), 'out')
    const res = await runToEnd(['get', seeder.sharing.link, '--out', out, '--data', join(dir(), 'get-data'), '--listen', LOOPBACK, '--json'])
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    const done = res.first('done')!
    expect(done.path).toBe(join(out, 'big.bin'))
    expect(done.bytes).toBe(64 * MiB)
    expect(sourcesOf(done)[seeder.sharing.peerId]).toEqual({ bytes: 64 * MiB, path: 'direct' })
    expect(res.events.some(e => e.event === 'progress' && typeof e.speed === 'number' && e.total === 64 * MiB)).toBe(true)
    expect(await sha256File(join(out, 'big.bin'))).toBe(hash)
    expect(await readdir(out)).toEqual(['big.bin'])
  })

  it('transfers a folder tree with nested, empty and unicode-named files', async () => {
    const tree = join(dir(), 'photos')
    await mkdir(join(tree, 'trip', '2024 — 서울'), { recursive: true })
    await mkdir(join(tree, 'empty-folder-is-skipped'), { recursive: true })
    const files: Record<string, string> = {
      'a.txt': await randomFile(join(tree, 'a.txt'), 1000),
      'trip/b.bin': await randomFile(join(tree, 'trip', 'b.bin'), 3 * MiB + 17),
      'trip/2024 — 서울/c.jpg': await randomFile(join(tree, 'trip', '2024 — 서울', 'c.jpg'), 700_000)
    }
    await writeFile(join(tree, 'zero.txt'), '')
    const seeder = await share([tree], join(dir(), 'seed-data'))
    track(seeder.proc)
    expect(seeder.sharing.files).toBe(4)

    const out = join(dir(), 'out')
    const res = await runToEnd(['get', seeder.sharing.link, '--out', out, '--data', join(dir(), 'get-data'), '--listen', LOOPBACK, '--json'])
    expect(res.code).toBe(0)
    expect(res.first('done')!.path).toBe(join(out, 'photos'))
    for (const [rel, h] of Object.entries(files)) expect(await sha256File(join(out, 'photos', rel))).toBe(h)
    expect((await stat(join(out, 'photos', 'zero.txt'))).size).toBe(0)
    const leftovers = (await readdir(out, { recursive: true })).filter(f => f.endsWith('.part'))
    expect(leftovers).toEqual([])
  })

  it('downloads from two seeders at once, and both contribute bytes', async () => {
    const src = join(dir(), 'shared.bin')
    const hash = await randomFile(src, 64 * MiB)
    const a = await share([src], join(dir(), 'a'))
    const b = await share([src], join(dir(), 'b'))
    track(a.proc)
    track(b.proc)
    expect(b.sharing.cid).toBe(a.sharing.cid)

    const out = join(dir(), 'out')
    const peerB = b.sharing.addrs[0]!
    const res = await runToEnd(['get', a.sharing.link, '--peer', peerB, '--out', out, '--data', join(dir(), 'c'), '--listen', LOOPBACK, '--json'])
    expect(res.code).toBe(0)
    const sources = sourcesOf(res.first('done')!)
    expect(sources[a.sharing.peerId]!.bytes).toBeGreaterThan(0)
    expect(sources[b.sharing.peerId]!.bytes).toBeGreaterThan(0)
    expect(sources[a.sharing.peerId]!.bytes + sources[b.sharing.peerId]!.bytes).toBeGreaterThanOrEqual(64 * MiB)
    expect(await sha256File(join(out, 'shared.bin'))).toBe(hash)
  })

  it('resumes after kill -9 of the downloader and fetches only what was missing', async () => {
    const src = join(dir(), 'resume.bin')
    const size = 192 * MiB
    const hash = await randomFile(src, size)
    const seeder = await share([src], join(dir(), 'seed-data'))
    track(seeder.proc)
    const out = join(dir(), 'out')
    const args = ['get', seeder.sharing.link, '--out', out, '--data', join(dir(), 'get-data'), '--listen', LOOPBACK, '--json', '--progress-interval', '10']

    const first = run(args)
    track(first)
    const mid = await first.waitForEvent('progress', e => e.bytes >= size * 0.2)
    first.child.kill('SIGKILL')
    await first.exited
    const lastSeen = Math.max(...first.eventsOf('progress').map(e => e.bytes))
    expect(lastSeen).toBeGreaterThanOrEqual(mid.bytes)
    expect(lastSeen).toBeLessThan(size)
    expect((await readdir(out))).toContain('resume.bin.part')

    const second = await runToEnd(args)
    expect(second.code).toBe(0)
    const done = second.first('done')!
    const fetched = Object.values(sourcesOf(done)).reduce((n, s) => n + s.bytes, 0)
    const pieceSize = 256 * 1024
    // What was missing at the last report, plus at most one piece per peer in flight at the kill.
    expect(fetched).toBeLessThanOrEqual(size - lastSeen + pieceSize * 1)
    expect(fetched).toBeGreaterThan(0)
    expect(await sha256File(join(out, 'resume.bin'))).toBe(hash)
  })

  it('stops cleanly on Ctrl+C and resumes from the saved piece map', async () => {
    const src = join(dir(), 'pause.bin')
    const size = 192 * MiB
    const hash = await randomFile(src, size)
    const seeder = await share([src], join(dir(), 'seed-data'))
    track(seeder.proc)
    const out = join(dir(), 'out')
    const args = ['get', seeder.sharing.link, '--out', out, '--data', join(dir(), 'get-data'), '--listen', LOOPBACK, '--json', '--progress-interval', '10']
    const first = run(args)
    track(first)
    await first.waitForEvent('progress', e => e.bytes >= size * 0.2)
    first.child.kill('SIGINT')
    expect(await first.exited).toBe(130)
    expect(first.stderr).toMatch(/run the same command again to resume/)
    const lastSeen = Math.max(...first.eventsOf('progress').map(e => e.bytes))

    const second = await runToEnd(args)
    expect(second.code).toBe(0)
    // A clean stop needs no re-hashing: the saved bitfield is trusted.
    expect(second.events.some(e => e.event === 'checking')).toBe(false)
    const fetched = Object.values(sourcesOf(second.first('done')!)).reduce((n, s) => n + s.bytes, 0)
    expect(fetched).toBeLessThanOrEqual(size - lastSeen + 256 * 1024)
    expect(await sha256File(join(out, 'pause.bin'))).toBe(hash)
  })

  it('never overwrites an unrelated file at the target: saves as "doc (1).bin" and says so; an identical file counts as done', async () => {
    const src = join(dir(), 'doc.bin')
    const hash = await randomFile(src, 2 * MiB)
    const seeder = await share([src], join(dir(), 'seed-data'))
    track(seeder.proc)
    const out = join(dir(), 'out')
    await mkdir(out)
    await writeFile(join(out, 'doc.bin'), 'my own precious file')
    const clash = await runToEnd(getArgs(seeder.sharing.link, { out, data: join(dir(), 'get-data') }, ['--listen', LOOPBACK, '--json']))
    expect(clash.code, clash.stderr).toBe(0)
    expect(clash.first('done')!.path).toBe(join(out, 'doc (1).bin'))
    expect(await readFile(join(out, 'doc.bin'), 'utf8')).toBe('my own precious file')
    expect(await sha256File(join(out, 'doc (1).bin'))).toBe(hash)

    // Someone else with the same file already in place: nothing is fetched, nothing is renamed.
    await writeFile(join(out, 'doc.bin'), await readFile(src))
    const same = await runToEnd(getArgs(seeder.sharing.link, { out, data: join(dir(), 'other-data') }, ['--listen', LOOPBACK, '--json']))
    expect(same.code).toBe(0)
    expect(same.first('done')!.path).toBe(join(out, 'doc.bin'))
    expect(sourcesOf(same.first('done')!)).toEqual({})
    expect((await readdir(out)).sort()).toEqual(['doc (1).bin', 'doc.bin'])
  })

  it('when the only peer lies about one piece, get says which piece and which peer, and gives up at the stall timeout', async () => {
    const src = join(dir(), 'nearly.bin')
    await randomFile(src, 4 * MiB)
    const honest = await share([src], join(dir(), 'honest'))
    const cid = honest.sharing.cid
    const manifestBytes = await readFile(join(dir(), 'honest', 'shares', `${cid}.cbor`))
    await honest.proc.stop('SIGTERM')
    const manifest = decodeManifest(manifestBytes, CID.parse(cid))
    const liar = await hostileSeeder(manifestBytes, manifest.pieceSize, pieceCount(manifest), 'one-bad', { data: await readFile(src), badIndex: 7 })
    try {
      const started = Date.now()
      const res = await runToEnd(['get', cid, '--peer', liar.addr, '--out', join(dir(), 'out'), '--data', join(dir(), 'get-data'), '--listen', LOOPBACK, '--no-mdns', '--json', '--stall-timeout', '3'])
      expect(res.code).toBe(1)
      expect(Date.now() - started).toBeLessThan(30_000)
      expect(res.stderr.trim().split('\n')).toHaveLength(1)
      expect(res.stderr).toMatch(new RegExp(`stalled: 1 piece \\(#7\\) has no good source: ${liar.peerId.slice(0, 8)}…${liar.peerId.slice(-6)} sent corrupt data for it; no progress for 3 s`))
      expect(res.events.find(e => e.event === 'error')?.code).toBe('STALLED')
      expect(res.events.find(e => e.event === 'stalled')).toMatchObject({ pieces: 1, sample: [7], failedBy: [liar.peerId], unavailable: 0 })
      // One bad piece is not enough to ban a peer; nothing unverified is in place.
      expect((await runToEnd(['bans', '--data', join(dir(), 'get-data'), '--json'])).events).toEqual([])
      expect(await readdir(join(dir(), 'out'))).toEqual(['nearly.bin.part'])
    } finally {
      await liar.stop()
    }
  })

  it('bans a peer that sends nothing but corrupt pieces, lists the ban and lifts it on request', async () => {
    const src = join(dir(), 'liar.bin')
    await randomFile(src, 8 * MiB)
    const honest = await share([src], join(dir(), 'honest'))
    const cid = honest.sharing.cid
    const manifestBytes = await readFile(join(dir(), 'honest', 'shares', `${cid}.cbor`))
    await honest.proc.stop('SIGTERM')
    const manifest = decodeManifest(manifestBytes, CID.parse(cid))
    const liar = await hostileSeeder(manifestBytes, manifest.pieceSize, pieceCount(manifest), 'wrong')
    try {
      const out = join(dir(), 'out')
      const res = await runToEnd(['get', cid, '--peer', liar.addr, '--out', out, '--data', join(dir(), 'get-data'), '--listen', LOOPBACK, '--no-mdns', '--json', '--stall-timeout', '3'])
      expect(res.code).toBe(1)
      expect(res.stderr.trim().split('\n')).toHaveLength(1)
      expect(res.stderr).not.toMatch(/\n\s+at /)
      expect(res.events.find(e => e.event === 'error')!.code).toBe('NO_PEERS')
      expect(await readdir(out)).not.toContain('liar.bin')
      const bans = JSON.parse(await readFile(join(dir(), 'get-data', 'bans.json'), 'utf8')) as Record<string, unknown>
      expect(Object.keys(bans)).toEqual([liar.peerId])

      const listed = await runToEnd(['bans', '--data', join(dir(), 'get-data'), '--json'])
      expect(listed.events).toEqual([expect.objectContaining({ event: 'ban', peerId: liar.peerId, reason: expect.stringMatching(/failed their hash check/) })])
      const lifted = await runToEnd(['bans', '--unban', liar.peerId, '--data', join(dir(), 'get-data'), '--json'])
      expect(lifted.events).toEqual([{ event: 'unbanned', peerId: liar.peerId, wasBanned: true }])
      expect((await runToEnd(['bans', '--data', join(dir(), 'get-data'), '--json'])).events).toEqual([])
    } finally {
      await liar.stop()
    }
  })

  /** Two seeders of one file, each with its own copy (`bad` is the second's, to be tampered with). */
  const twoSeeders = async (size: number): Promise<{ bad: string, hash: string, g: Awaited<ReturnType<typeof share>>, b: Awaited<ReturnType<typeof share>> }> => {
    const good = join(dir(), 'good', 'data.bin')
    const bad = join(dir(), 'bad', 'data.bin')
    await mkdir(join(dir(), 'good'))
    await mkdir(join(dir(), 'bad'))
    const hash = await randomFile(good, size)
    await writeFile(bad, await readFile(good))
    const g = await share([good], join(dir(), 'g'))
    const b = await share([bad], join(dir(), 'b'))
    track(g.proc)
    track(b.proc)
    expect(b.sharing.cid).toBe(g.sharing.cid)
    return { bad, hash, g, b }
  }

  it('completes bit-exact from a good seeder when another seeder\'s file changed under it, and bans nobody honest', async () => {
    const { bad, hash, g, b } = await twoSeeders(32 * MiB)
    await randomFile(bad, 32 * MiB)

    const out = join(dir(), 'out')
    const res = await runToEnd(['get', b.sharing.link, '--peer', g.sharing.addrs[0]!, '--out', out, '--data', join(dir(), 'c'), '--listen', LOOPBACK, '--json'])
    expect(res.code).toBe(0)
    const done = res.first('done')!
    // The seeder whose file changed noticed before serving it: no bad piece reached us, so nobody is banned.
    expect(done.banned).toEqual([])
    expect(Object.keys(sourcesOf(done))).toEqual([g.sharing.peerId])
    expect(await sha256File(join(out, 'data.bin'))).toBe(hash)
    expect((await runToEnd(['bans', '--data', join(dir(), 'c'), '--json'])).events).toEqual([])
  })

  it('finishes bit-exact from the honest seeder when the other\'s copy was altered in place (size and mtime kept)', async () => {
    const { bad, hash, g, b } = await twoSeeders(24 * MiB)
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

  it('does not rehash unchanged files when a share is started again', async () => {
    const src = join(dir(), 'again.bin')
    await randomFile(src, 4 * MiB)
    const first = await share([src], join(dir(), 'data'))
    expect(first.sharing.hashedBytes).toBe(4 * MiB)
    await first.proc.stop()
    const second = await share([src], join(dir(), 'data'))
    track(second.proc)
    expect(second.sharing.hashedBytes).toBe(0)
    expect(second.sharing.reusedBytes).toBe(4 * MiB)
    expect(second.sharing.cid).toBe(first.sharing.cid)
    expect(second.sharing.peerId).toBe(first.sharing.peerId)
  })

  it('does not follow symlinks that point outside the shared folder', async () => {
    const tree = join(dir(), 'tree')
    await mkdir(tree)
    await writeFile(join(dir(), 'secret.txt'), 'do not share')
    await writeFile(join(tree, 'inside.txt'), 'fine')
    await symlink(join(dir(), 'secret.txt'), join(tree, 'escape.txt'))
    await symlink(join(tree, 'inside.txt'), join(tree, 'alias.txt'))
    const s = await share([tree], join(dir(), 'data'))
    track(s.proc)
    expect(s.sharing.files).toBe(2)
    expect(s.proc.eventsOf('skipped').some(e => e.path.endsWith('escape.txt'))).toBe(true)

    const out = join(dir(), 'out')
    const res = await runToEnd(['get', s.sharing.link, '--out', out, '--data', join(dir(), 'get'), '--listen', LOOPBACK, '--json'])
    expect(res.code).toBe(0)
    expect((await readdir(join(out, 'tree'))).sort()).toEqual(['alias.txt', 'inside.txt'])
  })
})
