import { spawn } from 'node:child_process'
import { rename, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BIN, CliProcess, ISOLATED, MiB, randomFile, run, runToEnd, sha256File, share, useScratch, type BanEvent } from '../helpers/cli.js'

const SIZE = 6 * MiB
/** How the downloader logs a piece that failed its hash (download.ts); matched loosely, the wording may move. */
const HASH_FAIL = /fail\w* (its )?hash|hash (check )?fail/i

/** Runs `swarmdrop` with the download log on, so every piece that fails its hash leaves a line on stderr. */
function runLogged (args: string[]): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args, '--no-mdns'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DEBUG: 'swarmdrop:download' } })
  return new CliProcess(child)
}

const CHANGES: Array<[string, 'modified|resized' | 'replaced' | 'gone', (path: string) => Promise<void>]> = [
  // Same inode, truncated then refilled: the nastiest case, a seeder reading while it is rewritten.
  ['rewritten in place with random bytes of the same size', 'modified|resized', async path => { await randomFile(path, SIZE) }],
  ['replaced by another file of the same size', 'replaced', async path => { await randomFile(`${path}.new`, SIZE); await rename(`${path}.new`, path) }],
  ['deleted', 'gone', async path => { await unlink(path) }]
]

describe('a seeder whose shared file changes on disk mid-swarm', () => {
  const { dir, track } = useScratch()

  const bans = async (data: string): Promise<BanEvent[]> => {
    const res = await runToEnd(['bans', '--json', '--data', data])
    expect(res.code).toBe(0)
    return res.eventsOf('ban')
  }

  it.each(CHANGES)('%s: no leecher gets a bad piece, nobody is banned, the seeder says so and stops serving it', async (_what, kind, change) => {
    const hub = track(run(['hub', '--data', join(dir(), 'hub'), ...ISOLATED]))
    const hubAddr = (await hub.waitForEvent('listening')).addrs
    const src = join(dir(), 'song.bin')
    const hash = await randomFile(src, SIZE)
    const seeder = await share([src], join(dir(), 'seeder'), ['--bootstrap', hubAddr[0]!, '--up-limit', '1MB', '--no-mdns'])
    track(seeder.proc)
    const link = seeder.sharing.link

    // A takes what it can and seeds; B is held to 300 KB/s, so it is mid-way when A is done.
    const a = runLogged(['get', link, '--seed', '--out', join(dir(), 'a-out'), '--data', join(dir(), 'a'), '--bootstrap', hubAddr[0]!, ...ISOLATED])
    const b = runLogged(['get', link, '--down-limit', '300KB', '--out', join(dir(), 'b-out'), '--data', join(dir(), 'b'), '--bootstrap', hubAddr[0]!, ...ISOLATED])
    track(a)
    track(b)
    await a.waitFor(e => e.event === 'done', 60_000)
    await a.waitFor(e => e.event === 'sharing', 10_000)
    const progress = await b.waitForEvent('progress', e => e.bytes > 0, 30_000)
    expect(b.events.some(e => e.event === 'done')).toBe(false)
    expect(progress.bytes).toBeLessThan(SIZE)

    await change(src)

    // The seeder notices at its next piece for B, and tells whoever runs it.
    const changed = await seeder.proc.waitForEvent('changed', () => true, 30_000)
    expect(changed).toMatchObject({ cid: seeder.sharing.cid, file: src })
    expect(changed.kind).toMatch(new RegExp(`^(${kind})$`))
    expect(changed.reason.length).toBeGreaterThan(0)
    expect(seeder.proc.events.filter(e => e.event === 'changed')).toHaveLength(1)

    // B finishes from A, bit-exact, having banned nobody.
    const done = await b.waitForEvent('done', () => true, 90_000)
    expect(done.banned).toEqual([])
    expect(await sha256File(join(dir(), 'b-out', 'song.bin'))).toBe(hash)
    expect(await sha256File(join(dir(), 'a-out', 'song.bin'))).toBe(hash)
    expect(b.stderr).not.toMatch(HASH_FAIL)
    expect(a.stderr).not.toMatch(HASH_FAIL)
    expect(await bans(join(dir(), 'a'))).toEqual([])
    expect(await bans(join(dir(), 'b'))).toEqual([])

    // It has left the seeder's catalog; the seeder keeps running, serving nothing of it.
    const catalog = await runToEnd(['browse', seeder.sharing.addrs[0]!, '--data', join(dir(), 'browser'), ...ISOLATED])
    expect(catalog.code).toBe(0)
    expect(catalog.events.filter(e => e.event === 'share')).toEqual([])
    expect(seeder.proc.child.exitCode).toBeNull()
  }, 180_000)
})
