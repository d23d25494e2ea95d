import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { TestDisks } from '../helpers/disks.js'
import { ISOLATED, MiB, randomFile, run, runToEnd, sha256File, share, sourcesOf, useScratch, type CliProcess } from '../helpers/cli.js'

const noDisks = TestDisks.unavailable()
if (noDisks != null) process.stderr.write(`disk-failures: cannot make failing disks here: ${noDisks}\n`)

/**
 * Disks that fail for real under a download or a share: the kernel turns a
 * file system read-only, a device's writeback fails after the writes were
 * accepted, a device stops giving back its bytes. Nothing unverified is ever
 * reported done, what was verified stays verified, and an honest peer is never blamed.
 */
describe.skipIf(noDisks != null)('failing disks', () => {
  const { dir, track } = useScratch()
  const disks = new TestDisks()
  afterEach(() => { disks.cleanup() })

  const seed = async (size: number, upLimit = '4MB'): Promise<{ link: string, hash: string }> => {
    const src = join(dir(), 'src', 'big.bin')
    await mkdir(join(dir(), 'src'))
    const hash = await randomFile(src, size)
    // Slow enough that the disk fails mid-download.
    const seeder = await share([src], join(dir(), 'seeder'), ['--up-limit', upLimit])
    track(seeder.proc)
    return { link: seeder.sharing.link, hash }
  }
  const getArgs = (link: string, out: string): string[] => ['get', link, '--out', out, '--data', join(dir(), 'getter'), ...ISOLATED, '--progress-interval', '100']
  const progressed = async (p: CliProcess, bytes: number): Promise<void> => { await p.waitForEvent('progress', e => e.bytes >= bytes, 60_000) }

  it('a file system the kernel turns read-only mid-download stops it with DISK_ERROR naming the path and EROFS; after repair it resumes from what it had and ends bit-exact', async () => {
    const size = 24 * MiB
    // 2 MB/s: the first checkpoint (5 s in) has made about 10 MB durable when the disk fails at 14 MiB.
    const { link, hash } = await seed(size, '2MB')
    const disk = await disks.ext4(join(dir(), 'disk'), 64)
    const get = track(run(getArgs(link, disk.dir)))
    await progressed(get, 14 * MiB)
    disk.turnReadOnly()
    const code = await get.exited
    expect(code).toBe(1)
    expect(get.first('done')).toBeUndefined()
    const error = get.first('error')!
    expect(error.code).toBe('DISK_ERROR')
    expect(error.message).toContain(disk.dir)
    expect(error.message).toMatch(/EROFS/)

    disk.repair()
    const again = await runToEnd(getArgs(link, disk.dir))
    expect(again.stderr).toBe('')
    expect(again.code).toBe(0)
    const fetched = Object.values(sourcesOf(again.first('done')!)).reduce((n, s) => n + s.bytes, 0)
    // What the checkpoint made durable is kept; what was written after it died with the file
    // system's journal (the kernel drops a read-only file system's dirty pages) and is fetched again.
    expect(fetched).toBeLessThanOrEqual(size - 6 * MiB)
    expect(await sha256File(join(disk.dir, 'big.bin'))).toBe(hash)
  })

  it('a device whose writeback fails after accepting the writes: the failed sync stops the download, nothing is vouched for, and the resume re-reads and ends bit-exact', async () => {
    const size = 24 * MiB
    const { link, hash } = await seed(size)
    // The backing store is just big enough for the file system's own start; filled below.
    const disk = await disks.ext4(join(dir(), 'disk'), 64, 48)
    const get = track(run(getArgs(link, disk.dir)))
    await progressed(get, 4 * MiB)
    await disk.failWriteback()
    const code = await get.exited
    expect(get.first('done')).toBeUndefined()
    expect(code).toBe(1)
    // The system's words: the device said no room (ENOSPC) or an I/O error (EIO).
    expect(['DISK_ERROR', 'DISK_FULL']).toContain(get.first('error')?.code)
    expect(get.first('error')!.message).toContain(disk.dir)

    disk.repair()
    const again = await runToEnd(getArgs(link, disk.dir))
    expect(again.stderr).toBe('')
    expect(again.code).toBe(0)
    expect(await sha256File(join(disk.dir, 'big.bin'))).toBe(hash)
  })

  it('a shared file the disk will not read (EIO) takes the share out of service with the reason, blames no downloader, and the seeder lives on', async () => {
    const disk = await disks.ext4(join(dir(), 'disk'), 64)
    const src = join(disk.dir, 'shared.bin')
    await randomFile(src, 8 * MiB)
    const seeder = await share([src], join(dir(), 'seeder'))
    track(seeder.proc)
    disk.failReads()
    const getter = join(dir(), 'getter')
    const get = track(run(['get', seeder.sharing.link, '--out', join(dir(), 'out'), '--data', getter, ...ISOLATED, '--stall-timeout', '5']))
    const changed = await seeder.proc.waitForEvent('changed', () => true, 60_000)
    expect(changed).toMatchObject({ cid: seeder.sharing.cid, kind: 'unreadable' })
    expect(changed.reason).toMatch(/EIO/)
    await get.exited
    expect(get.first('done')).toBeUndefined()
    expect(seeder.proc.child.exitCode).toBeNull()
    // Not the downloader's fault, and the downloader does not blame the seeder either.
    expect((await runToEnd(['bans', '--data', getter, '--json'])).events).toEqual([])
  })
})
