import { appendFile, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ShareInfo } from '../../shared/api.js'
import { ApiClient } from '../helpers/api-client.js'
import { ISOLATED, MiB, randomFile, run, runToEnd, sha256File, useScratch } from '../helpers/cli.js'
import { until } from '../helpers/until.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'

describe('the API: a share whose file changed, and sharing it again', () => {
  const { dir, track } = useScratch('swarmdrop-changed-api-')
  let daemon: Daemon
  let client: ApiClient

  beforeEach(async () => {
    daemon = await startDaemon(join(dir(), 'data'), join(dir(), 'out'))
    track(daemon.proc, 'SIGTERM')
    client = await ApiClient.connect(`${daemon.origin.replace('http:', 'ws:')}/api?token=${encodeURIComponent(daemon.token)}`)
  }, 90_000)
  afterEach(() => { client?.close() })

  const changedRow = async (cid: string): Promise<ShareInfo> => await until(() => client.events
    .map(e => e.payload as ShareInfo)
    .find(p => p.cid === cid && p.changed != null))

  it('marks it changed with a reason when a downloader asks for it, then "Share again" serves what is there now', async () => {
    const file = join(dir(), 'notes.bin')
    await randomFile(file, 2 * MiB)
    const first = await client.call('addShares', { paths: [file] })
    expect(first.changed).toBeUndefined()
    await appendFile(file, 'one more line\n')

    // The first piece asked for finds the file is not the one hashed: the downloader gets none and bans nobody.
    const early = run(['get', first.link, '--out', join(dir(), 'early-out'), '--data', join(dir(), 'early'), ...ISOLATED])
    const row = await changedRow(first.cid)
    expect(row.changed).toMatchObject({ file: 'notes.bin', kind: 'resized' })
    expect(row.changed!.reason).toMatch(/size changed/)
    expect((await client.call('listShares', {})).find(s => s.cid === first.cid)!.changed).toMatchObject({ kind: 'resized' })
    await early.stop()
    expect(early.events.some(e => e.event === 'done')).toBe(false)
    expect((await runToEnd(['bans', '--json', '--data', join(dir(), 'early')])).events.filter(e => e.event === 'ban')).toEqual([])

    const again = await client.call('reshare', { cid: first.cid })
    expect(again.cid).not.toBe(first.cid)
    expect(again.changed).toBeUndefined()
    expect(again.size).toBe(2 * MiB + 14)
    expect((await client.call('listShares', {})).map(s => s.cid)).toEqual([again.cid])
    await until(() => client.events.some(e => e.name === 'shareRemoved' && (e.payload as { cid: string }).cid === first.cid))

    const got = await runToEnd(['get', again.link, '--out', join(dir(), 'late-out'), '--data', join(dir(), 'late'), ...ISOLATED])
    expect(got.code).toBe(0)
    expect(await sha256File(join(dir(), 'late-out', 'notes.bin'))).toBe(await sha256File(file))
  }, 120_000)

  it('says what is missing when a deleted file cannot be shared again', async () => {
    const file = join(dir(), 'gone.bin')
    await randomFile(file, 100_000)
    const share = await client.call('addShares', { paths: [file] })
    await unlink(file)
    await expect(client.call('reshare', { cid: share.cid })).rejects.toMatchObject({ code: 'PATH_NOT_FOUND' })
    await expect(client.call('reshare', { cid: 'bafynot-a-share' })).rejects.toMatchObject({ code: 'UNKNOWN_TRANSFER' })
  }, 60_000)
})
