import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { DamagedFile, DownloadInfo, Events } from '../../shared/api.js'
import { ApiClient } from '../helpers/api-client.js'
import { MiB, randomFile, share, useScratch, type JsonEvent } from '../helpers/cli.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { until } from '../helpers/until.js'

const connect = async (d: Daemon): Promise<ApiClient> => await ApiClient.connect(`${d.origin.replace('http:', 'ws:')}/api?token=${d.token}`)

/** Every JSON state file under `dir`, relative to it (the hash cache is a cache, not state). */
async function stateFiles (dir: string): Promise<string[]> {
  const all = await readdir(dir, { recursive: true })
  return all.filter(f => f.endsWith('.json') && !f.startsWith('hash-cache')).sort()
}

const garbage = (file: string): string => `{"damaged": "${file}", [`
const damagedLines = (events: JsonEvent[]): string[] => events.filter(e => e.event === 'damaged').map(e => e.file as string).sort()

describe('damaged state files in a daemon\'s data folder', () => {
  const { dir, track } = useScratch()

  it('each damaged file is moved aside with its bytes, never overwritten, reported (a line, the API status and event), and the daemon runs on', async () => {
    const data = join(dir(), 'data')
    const out = join(dir(), 'out')
    const mine = join(dir(), 'mine.bin')
    await randomFile(mine, 1 * MiB)
    const remote = join(dir(), 'remote.bin')
    await randomFile(remote, 4 * MiB)
    // Slow, so the download can be paused with a piece map and peers saved.
    const seeder = await share([remote], join(dir(), 'seeder'), ['--up-limit', '512KB'])
    track(seeder.proc)

    // Every kind of state a daemon keeps: bootstrap peers, a share, settings, a paused download's piece map and peers, the UI session, bans.
    let d = await startDaemon(data, out, ['--bootstrap', seeder.sharing.addrs[0]!])
    track(d.proc)
    let c = await connect(d)
    await c.call('addShares', { paths: [mine] })
    await c.call('setSettings', { downLimit: 10_000_000 })
    const started: DownloadInfo = await c.call('startDownload', { target: seeder.sharing.link })
    await until(async () => (await c.call('listDownloads', {})).find(x => x.id === started.id && x.bytes > 0))
    await c.call('pauseDownload', { id: started.id })
    c.close()
    await d.proc.stop()
    await writeFile(join(data, 'bans.json'), JSON.stringify({ '12D3KooWBanned': { until: Date.now() + 3_600_000, reason: 'test' } }))
    const files = await stateFiles(data)
    const perDownload = files.filter(f => f.startsWith('downloads/'))
    expect(files.filter(f => !f.startsWith('downloads/') && !f.startsWith('shares/'))).toEqual(['app-downloads.json', 'bans.json', 'bootstrap.json', 'settings.json', 'ui.json'])
    expect(files.filter(f => f.startsWith('shares/'))).toHaveLength(1)
    expect(perDownload.map(f => f.split('/').at(-1))).toEqual(['peers.json', 'state.json'])

    // Round 1: everything but the download list (it names the download whose own files are read when it resumes).
    const round1 = files.filter(f => f !== 'app-downloads.json')
    for (const f of round1) await writeFile(join(data, f), garbage(f))
    d = await startDaemon(data, out)
    track(d.proc)
    c = await connect(d)
    const heard = (): DamagedFile[] => c.events.filter(e => e.name === 'stateDamaged').map(e => e.payload as Events['stateDamaged'])
    const atStart = round1.filter(f => !f.startsWith('downloads/'))
    // Each warning line follows the daemon's 'ready' line.
    await until(() => damagedLines(d.proc.events).length >= atStart.length, 10_000)
    expect(damagedLines(d.proc.events)).toEqual(atStart)
    expect((await c.call('status', {})).damagedFiles.map(x => x.file).sort()).toEqual(atStart)
    // The download's own files are read when it resumes: found then, and pushed to the UI.
    await c.call('resumeDownload', { id: started.id })
    await until(() => heard().length === perDownload.length)
    expect(heard().map(x => x.file).sort()).toEqual(perDownload)
    // It re-reads the disk instead and finishes.
    await until(async () => (await c.call('listDownloads', {})).find(x => x.id === started.id && (x.state === 'seeding' || x.state === 'finished')), 60_000)
    expect(await readFile(join(out, 'remote.bin'))).toEqual(await readFile(remote))
    for (const f of round1) {
      const folder = join(data, f, '..')
      const name = f.split('/').at(-1)!
      const aside = (await readdir(folder)).filter(n => n.startsWith(`${name}.corrupt-`))
      expect(aside, f).toHaveLength(1)
      expect(await readFile(join(folder, aside[0]!), 'utf8')).toBe(garbage(f))
    }
    // Settings fell back to the defaults; the damaged copy is the user's to look at.
    expect((await c.call('getSettings', {})).downLimit).toBe(0)
    c.close()
    await d.proc.stop()

    // Round 2: the download list alone.
    await writeFile(join(data, 'app-downloads.json'), garbage('app-downloads.json'))
    d = await startDaemon(data, out)
    track(d.proc)
    await until(() => damagedLines(d.proc.events).length >= 1, 10_000)
    expect(damagedLines(d.proc.events)).toEqual(['app-downloads.json'])
    c = await connect(d)
    expect(await c.call('listDownloads', {})).toEqual([])
    expect((await readdir(data)).filter(n => n.startsWith('app-downloads.json.corrupt-'))).toHaveLength(1)
    c.close()
  })
})
