import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startHostilePeer } from '../fixtures/hostile/hostile-peer.js'
import { getArgs, LOOPBACK, runToEnd, useScratch } from '../helpers/cli.js'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('hostile names in a manifest', () => {
  const { dir, track } = useScratch()

  it('rejects a manifest whose path climbs out of the download folder, writing nothing', async () => {
    const peer = track(await startHostilePeer([
      { path: ['innocent.txt'], data: text('hello') },
      { path: ['..', '..', 'escaped.txt'], data: text('pwned') }
    ]))
    // Into downloads/out: a name that climbs two levels would land in the scratch folder itself.
    const res = await runToEnd(getArgs(peer.cid, { out: join(dir(), 'downloads', 'out'), data: join(dir(), 'data') }, ['--peer', peer.addr, '--listen', LOOPBACK, '--json']))
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(/unsafe path segment/)
    expect(res.events.find(e => e.event === 'error')?.code).toBe('UNSAFE_PATH')
    expect(await readdir(join(dir(), 'downloads'))).toEqual(['out'])
    expect(await readdir(join(dir(), 'downloads', 'out'))).toEqual([])
    expect(await readdir(dir())).not.toContain('escaped.txt')
  })

  it('downloads names that are merely unportable under safe names inside the folder', async () => {
    const files = [
      { path: ['share', 'a\\..\\..\\b.txt'], data: text('backslashes') },
      { path: ['share', 'CON'], data: text('device name') },
      { path: ['share', '/etc/passwd'], data: text('absolute') },
      { path: ['share', 'C:\\boot.ini'], data: text('drive letter') },
      { path: ['share', '<img src=x onerror=alert(1)>'], data: text('html') },
      { path: ['share', 'bell\u0007.txt'], data: text('control') },
      { path: ['share', `${'n'.repeat(300)}.txt`], data: text('long') }
    ]
    const peer = track(await startHostilePeer(files))
    const res = await runToEnd(getArgs(peer.cid, { out: join(dir(), 'downloads', 'out'), data: join(dir(), 'data') }, ['--peer', peer.addr, '--listen', LOOPBACK, '--json']))
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    const names = (await readdir(join(dir(), 'downloads', 'out', 'share'))).sort()
    expect(names).toEqual([
      '_CON',
      '_etc_passwd',
      '_img src=x onerror=alert(1)_',
      'C__boot.ini',
      'a_.._.._b.txt',
      'bell_.txt',
      `${'n'.repeat(246)}.txt`
    ].sort())
    expect(await readdir(join(dir(), 'downloads'))).toEqual(['out'])
  })
})
