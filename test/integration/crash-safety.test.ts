import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { DownloadInfo, ShareInfo } from '../../shared/api.js'
import { ApiClient } from '../helpers/api-client.js'
import { ISOLATED, MiB, randomFile, run, runToEnd, sha256File, share, sourcesOf, useScratch } from '../helpers/cli.js'
import { until } from '../helpers/until.js'
import { startDaemon } from '../helpers/daemon.js'

/** A size-limited tmpfs needs root (CI has it); elsewhere the test says why it cannot run. */
function canMountTmpfs (): string | null {
  if (process.getuid?.() !== 0) return 'not root: cannot mount a size-limited tmpfs'
  const probe = mkdtempSync(join(tmpdir(), 'swarmdrop-tmpfs-probe-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'pipe' })
    execFileSync('umount', [probe])
    return null
  } catch (err) {
    return `mount -t tmpfs failed (${String((err as Error).message).split('\n')[0]})`
  } finally {
    rmSync(probe, { recursive: true, force: true })
  }
}
const noTmpfs = canMountTmpfs()
if (noTmpfs != null) process.stderr.write(`crash-safety: the full-disk test cannot run here: ${noTmpfs}\n`)

describe('crash safety: kill -9 at any moment, and a full disk', () => {
  const { dir, track, defer } = useScratch()

  it('a downloader killed with kill -9 at 10 random moments keeps every verified piece, trusts no unverified one, and ends bit-exact', async () => {
    const src = join(dir(), 'crash.bin')
    const size = 48 * MiB
    const hash = await randomFile(src, size)
    // Rate-limited so that ten kills land at different stages: start-up, manifest, mid-download, checkpoints.
    const seeder = await share([src], join(dir(), 'seeder'), ['--no-mdns', '--up-limit', '4MB'])
    track(seeder.proc)
    const args = ['get', seeder.sharing.link, '--out', join(dir(), 'out'), '--data', join(dir(), 'getter'), ...ISOLATED, '--progress-interval', '20']

    let lastVerified = 0
    const kills: number[] = []
    for (let i = 0; i < 10; i++) {
      const p = run(args)
      track(p)
      const delay = 300 + Math.floor(Math.random() * 2200)
      kills.push(delay)
      await new Promise(resolve => setTimeout(resolve, delay))
      p.child.kill('SIGKILL')
      await p.stop('SIGKILL')
      const progress = p.eventsOf('progress').map(e => e.bytes)
      // What a run reported verified was on disk: the next run starts from at least that.
      if (progress.length > 0) {
        expect(progress[0]).toBeGreaterThanOrEqual(lastVerified)
        lastVerified = Math.max(lastVerified, ...progress)
      }
      expect(p.events.some(e => e.event === 'done')).toBe(false)
    }
    expect(lastVerified).toBeGreaterThan(0)
    expect(lastVerified).toBeLessThan(size)

    const final = await runToEnd(args)
    expect(final.stderr).toBe('')
    expect(final.code).toBe(0)
    const fetched = Object.values(sourcesOf(final.first('done')!)).reduce((n, s) => n + s.bytes, 0)
    expect(fetched).toBeLessThanOrEqual(size - lastVerified + 4 * MiB)
    expect(await sha256File(join(dir(), 'out', 'crash.bin'))).toBe(hash)
  })

  it.skipIf(noTmpfs != null)('a full disk stops that download with DISK_FULL, leaves seeding and state intact, and freeing space lets it finish', async () => {
    const mnt = join(dir(), 'small-disk')
    await mkdir(mnt)
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mnt])
    defer(() => execFileSync('umount', ['-l', mnt]))
    const filler = join(mnt, 'filler.bin')
    await randomFile(filler, 14 * MiB)

    const src = join(dir(), 'big.bin')
    const hash = await randomFile(src, 16 * MiB)
    const seeder = await share([src], join(dir(), 'seeder'), ['--no-mdns'])
    track(seeder.proc)

    const b = await startDaemon(join(dir(), 'b'), mnt, ['--no-mdns'])
    track(b.proc)
    const cb = await ApiClient.connect(`${b.origin.replace('http:', 'ws:')}/api?token=${b.token}`)
    try {
      // B also seeds something of its own (from the big disk): that must carry on.
      const own = join(dir(), 'own.bin')
      const ownHash = await randomFile(own, 2 * MiB)
      const mine: ShareInfo = await cb.call('addShares', { paths: [own] })

      const started: DownloadInfo = await cb.call('startDownload', { target: seeder.sharing.link })
      const failed = await until(async () => (await cb.call('listDownloads', {})).find(d => d.id === started.id && d.state === 'failed'))
      expect(failed.error).toMatchObject({ code: 'DISK_FULL' })
      expect(failed.error!.message).toMatch(/disk full/i)

      // Seeding goes on: a third peer downloads B's own share.
      const c = await runToEnd(['get', mine.link, '--out', join(dir(), 'c-out'), '--data', join(dir(), 'c'), ...ISOLATED])
      expect(c.code).toBe(0)
      expect(await sha256File(join(dir(), 'c-out', 'own.bin'))).toBe(ownHash)
      expect((await cb.call('listShares', {})).map(s => s.cid)).toContain(mine.cid)

      // Free the space and resume: it continues and finishes bit-exact.
      await rm(filler)
      await cb.call('resumeDownload', { id: started.id })
      await until(async () => (await cb.call('listDownloads', {})).find(d => d.id === started.id && d.state === 'seeding'))
      expect(await sha256File(join(mnt, 'big.bin'))).toBe(hash)
    } finally {
      cb.close()
    }
  })

  it.skipIf(noTmpfs != null)('a download that filled the disk, resumed on a fresh mount with its .part gone, is fetched again and finishes bit-exact', async () => {
    const mnt = join(dir(), 'swapped-disk')
    await mkdir(mnt)
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mnt])
    defer(() => execFileSync('umount', ['-l', mnt]))
    await randomFile(join(mnt, 'filler.bin'), 14 * MiB)
    const src = join(dir(), 'big.bin')
    const size = 16 * MiB
    const hash = await randomFile(src, size)
    const seeder = await share([src], join(dir(), 'seeder'), ['--no-mdns'])
    track(seeder.proc)
    const args = ['get', seeder.sharing.link, '--out', mnt, '--data', join(dir(), 'getter'), ...ISOLATED]
    const full = await runToEnd(args)
    expect(full.code).toBe(1)
    expect(full.events.find(e => e.event === 'error')?.code).toBe('DISK_FULL')

    // The disk is swapped for an empty one: the saved bitfield describes a .part that is gone.
    execFileSync('umount', [mnt])
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mnt])
    const again = await runToEnd(args)
    expect(again.stderr).toBe('')
    expect(again.code).toBe(0)
    const fetched = Object.values(sourcesOf(again.first('done')!)).reduce((n, s) => n + s.bytes, 0)
    expect(fetched).toBe(size)
    expect(await sha256File(join(mnt, 'big.bin'))).toBe(hash)
  })
})
