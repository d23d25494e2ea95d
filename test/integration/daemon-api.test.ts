import { randomBytes } from 'node:crypto'
import { readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { DownloadInfo, Events, ShareInfo } from '../../shared/api.js'
import { ApiClient, handshakeStatus } from '../helpers/api-client.js'
import { useScratch } from '../helpers/cli.js'
import { until } from '../helpers/until.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'

function api (d: Daemon, token = d.token): string {
  return `${d.origin.replace('http:', 'ws:')}/api?token=${encodeURIComponent(token)}`
}

async function httpStatus (url: string, opts: { method?: string, headers?: Record<string, string>, body?: Buffer | string } = {}): Promise<{ status: number, body: string }> {
  return await new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers }, res => {
      let body = ''
      res.setEncoding('utf8').on('data', (d: string) => { body += d }).on('end', () => { resolve({ status: res.statusCode ?? 0, body }) })
    })
    req.on('error', reject)
    req.end(opts.body)
  })
}

describe('swarmdrop daemon: the API over a WebSocket', () => {
  const { dir, track } = useScratch('swarmdrop-daemon-', { per: 'suite' })
  let a: Daemon
  let b: Daemon
  /** A daemon stopped after the last test, as Ctrl+C would. */
  const daemon = async (...args: Parameters<typeof startDaemon>): Promise<Daemon> => {
    const d = await startDaemon(...args)
    track(d.proc, 'SIGTERM')
    return d
  }

  beforeAll(async () => {
    a = await daemon(join(dir(), 'a'), join(dir(), 'a-out'))
    b = await daemon(join(dir(), 'b'), join(dir(), 'b-out'))
  }, 90_000)

  it('prints a ready line with a loopback URL holding a token', () => {
    expect(a.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/)
    expect(a.addrs.every(x => x.endsWith(`/p2p/${a.peerId}`))).toBe(true)
  })

  it('refuses a wrong token, a missing token, a foreign Origin and a rebinding Host', async () => {
    expect(await handshakeStatus(api(a))).toBe(101)
    expect(await handshakeStatus(api(a, 'wrong-token-wrong-token-wrong'))).toBe(401)
    expect(await handshakeStatus(`${a.origin.replace('http:', 'ws:')}/api`)).toBe(401)
    expect(await handshakeStatus(api(a), { Origin: 'http://evil.example' })).toBe(403)
    expect(await handshakeStatus(api(a), { Origin: b.origin })).toBe(403)
    expect(await handshakeStatus(api(a), { Origin: 'null' })).toBe(403)
    expect(await handshakeStatus(api(a), { Origin: a.origin })).toBe(101)
    expect(await handshakeStatus(api(a), { Host: 'evil.example' })).toBe(421)
    expect((await httpStatus(a.url, { headers: { Host: `rebind.example:${new URL(a.origin).port}` } })).status).toBe(421)
    // Uploads need the same: token and a same-site (or no) Origin.
    const up = `${a.origin}/upload?job=${'a'.repeat(32)}&path=x.txt`
    expect((await httpStatus(up, { method: 'POST', body: 'x' })).status).toBe(401)
    expect((await httpStatus(up, { method: 'POST', body: 'x', headers: { 'x-swarmdrop-token': a.token, Origin: 'http://evil.example' } })).status).toBe(403)
    // The page asks this when its WebSocket is refused, to tell a wrong token from a daemon that is down.
    expect((await httpStatus(`${a.origin}/session`, { headers: { 'x-swarmdrop-token': a.token } })).status).toBe(204)
    expect((await httpStatus(`${a.origin}/session`, { headers: { 'x-swarmdrop-token': 'wrong-token-wrong-token-wrong' } })).status).toBe(401)
    expect((await httpStatus(`${a.origin}/session`)).status).toBe(401)
  })

  it('cancels a share while it is being hashed: the add fails with ABORTED and nothing is shared', async () => {
    const c = await ApiClient.connect(api(a))
    try {
      // Sparse, so it costs no disk; hashing a GiB of it still takes seconds here.
      const big = join(dir(), 'huge.bin')
      await truncate(big, 1024 ** 3).catch(async () => { await writeFile(big, ''); await truncate(big, 1024 ** 3) })
      const adding = c.raw('addShares', { paths: [big] })
      const first = await until(() => c.events.find(e => e.name === 'hashing' && (e.payload as Events['hashing']).name === 'huge.bin' && (e.payload as Events['hashing']).bytes < (e.payload as Events['hashing']).total), 30_000)
      expect(await c.call('cancelHashing', { job: (first.payload as Events['hashing']).job })).toEqual({ cancelled: true })
      expect(await adding).toMatchObject({ ok: false, error: { code: 'ABORTED' } })
      expect((await c.call('listShares', {})).some(x => x.name === 'huge.bin')).toBe(false)
      // Its progress bar was closed.
      await until(() => c.events.some(e => e.name === 'hashing' && (e.payload as Events['hashing']).job === (first.payload as Events['hashing']).job && (e.payload as Events['hashing']).bytes >= (e.payload as Events['hashing']).total), 5_000)
      expect(await c.call('cancelHashing', { job: 'share-gone' })).toEqual({ cancelled: false })
      await rm(big)
    } finally { c.close() }
  })

  it('checks a new download folder when it is saved, and names the settings that wait for a restart', async () => {
    const c = await ApiClient.connect(api(a))
    try {
      expect(await c.raw('setSettings', { downloadDir: join(dir(), 'no-such-folder') })).toMatchObject({ ok: false, error: { code: 'PATH_NOT_FOUND' } })
      expect(await c.raw('setSettings', { downloadDir: 'relative/dir' })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } })
      expect((await c.call('getSettings', {})).downloadDir).toBe(join(dir(), 'a-out'))
      expect((await c.call('status', {})).restartFor).toEqual([])
      const port = (await c.call('getSettings', {})).listenPort
      await c.call('setSettings', { listenPort: port === 40999 ? 40998 : 40999 })
      expect(await c.call('status', {})).toMatchObject({ restartNeeded: true, restartFor: ['listenPort'] })
      await c.call('setSettings', { listenPort: port })
    } finally { c.close() }
  })

  it('serves the UI with a strict content security policy', async () => {
    const page = await httpStatus(a.url)
    expect(page.status).toBe(200)
    expect(page.body).toContain('<div id="root">')
    const res = await new Promise<Record<string, unknown>>(resolve => { request(a.url, r => { resolve(r.headers); r.resume() }).end() })
    expect(res['content-security-policy']).toContain("script-src 'self'")
    expect(res['content-security-policy']).not.toContain('unsafe-inline')
    expect(res['x-frame-options']).toBe('DENY')
    // Nothing outside the built UI is reachable through the static server.
    const escape = await httpStatus(`${a.origin}/..%2f..%2fpackage.json`)
    expect(escape.body).not.toContain('"name": "swarmdrop"')
  })

  it('answers a malformed request with INVALID_REQUEST and closes on a malformed frame', async () => {
    const c = await ApiClient.connect(api(a))
    try {
      expect(await c.raw('startDownload', { target: 42 })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } })
      expect(await c.raw('addShares', { paths: [], extra: true })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } })
      expect(await c.raw('pauseDownload', { id: 'nope' })).toMatchObject({ ok: false, error: { code: 'UNKNOWN_TRANSFER' } })
      expect(await c.raw('startDownload', { target: 'swarmdrop://not-a-cid' })).toMatchObject({ ok: false, error: { code: 'INVALID_LINK' } })
      expect(await c.raw('setSettings', { hubAddr: 'not a multiaddr' })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } })
      expect(await c.raw('setSettings', { upLimit: -5 })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } })
      const closed = new Promise<number>(resolve => c.ws.once('close', code => { resolve(code) }))
      c.ws.send('{"type":"call","id":1,"command":"__proto__","request":{}}')
      expect(await closed).toBe(1007)
    } finally { c.close() }
  })

  it('uploads a file, shares it, and another daemon downloads it with progress, pieces, peers and throughput pushed as events', async () => {
    const ca = await ApiClient.connect(api(a))
    const cb = await ApiClient.connect(api(b))
    try {
      const bytes = randomBytes(5 * 1024 * 1024 + 7)
      const job = 'b'.repeat(32)
      const up = await httpStatus(`${a.origin}/upload?job=${job}&path=${encodeURIComponent('album/track 1.bin')}`, { method: 'POST', body: bytes, headers: { 'x-swarmdrop-token': a.token } })
      expect(up.status).toBe(200)
      const root = (JSON.parse(up.body) as { value: { root: string } }).value.root
      expect(root).toBe(join(dir(), 'a', 'uploads', job, 'album'))
      // A climbing upload path is refused and writes nothing.
      const bad = await httpStatus(`${a.origin}/upload?job=${job}&path=${encodeURIComponent('../../escape.txt')}`, { method: 'POST', body: 'x', headers: { 'x-swarmdrop-token': a.token } })
      expect(bad.status).toBe(400)
      expect(JSON.parse(bad.body)).toMatchObject({ ok: false, error: { code: 'UNSAFE_PATH' } })
      expect(await readdir(join(dir(), 'a', 'uploads'))).toEqual([job])

      const share: ShareInfo = await ca.call('addShares', { paths: [root] })
      expect(share).toMatchObject({ name: 'album', size: bytes.length, files: 1, uploadedCopy: true, sent: 0, servedTo: [] })
      // The same file dropped again is the same share: its second copy does not stay behind.
      const again = 'c'.repeat(32)
      const up2 = await httpStatus(`${a.origin}/upload?job=${again}&path=${encodeURIComponent('album/track 1.bin')}`, { method: 'POST', body: bytes, headers: { 'x-swarmdrop-token': a.token } })
      expect((await ca.call('addShares', { paths: [(JSON.parse(up2.body) as { value: { root: string } }).value.root] })).cid).toBe(share.cid)
      expect(await readdir(join(dir(), 'a', 'uploads'))).toHaveLength(1)
      expect(ca.events.some(e => e.name === 'shareAdded' && (e.payload as ShareInfo).cid === share.cid)).toBe(true)
      expect(ca.events.some(e => e.name === 'hashing')).toBe(true)

      await cb.call('setSettings', { downLimit: 2 * 1024 * 1024 })
      const started: DownloadInfo = await cb.call('startDownload', { target: share.link })
      expect(started.state).toBe('connecting')
      // Mid-download: a live piece map with some pieces and availability from A.
      await until(() => cb.events.some(e => e.name === 'downloadsChanged' && (e.payload as Array<Partial<DownloadInfo>>).some(d => (d.bytes ?? 0) > 0 && (d.bytes ?? 0) < bytes.length)))
      const map = await cb.call('pieceMap', { id: started.id })
      expect(map.pieces).toBeGreaterThan(1)
      expect(map.availability.some(n => n >= 1)).toBe(true)
      await until(() => cb.events.some(e => e.name === 'downloadFinished'), 60_000)
      const onDisk = await readFile(join(dir(), 'b-out', 'album', 'track 1.bin'))
      expect(onDisk.equals(bytes)).toBe(true)
      const final = (await cb.call('listDownloads', {})).find(d => d.id === started.id)!
      expect(final).toMatchObject({ state: 'seeding', bytes: bytes.length, total: bytes.length })
      expect(final.sources[a.peerId]).toMatchObject({ bytes: bytes.length, path: 'direct' })
      expect(final.paths).toEqual({ direct: bytes.length, punched: 0, relay: 0, hub: 0 })
      // Events are deltas: no downloadsChanged item carries every field.
      const deltas = cb.events.filter(e => e.name === 'downloadsChanged').flatMap(e => e.payload as Array<Record<string, unknown>>)
      expect(deltas.length).toBeGreaterThan(2)
      expect(deltas.every(d => Object.keys(d).length < Object.keys(final).length)).toBe(true)
      // Throughput was pushed once a second and saw the bytes arrive.
      const down = (): number => cb.events.filter(e => e.name === 'throughput').reduce((n, e) => n + (e.payload as Events['throughput']).down, 0)
      await until(() => down() >= bytes.length, 5_000)
      expect(down()).toBeLessThan(bytes.length * 1.1)
      const peers = await cb.call('listPeers', {})
      expect(peers.find(p => p.peerId === a.peerId)).toMatchObject({ route: 'direct', bytesIn: bytes.length })
      // Latency is measured in the background and arrives with a later peers event.
      await until(() => cb.events.some(e => e.name === 'peersChanged' && (e.payload as Events['peersChanged']).upsert.some(p => p.peerId === a.peerId && typeof p.latencyMs === 'number')), 15_000)
      await cb.call('setSettings', { downLimit: 0 })
      // The sharer is told who downloaded and how much went out.
      await until(() => ca.events.some(e => e.name === 'shareStats' && (e.payload as Events['shareStats']).some(x => x.cid === share.cid && x.sent >= bytes.length && x.servedTo.includes(b.peerId))), 5_000)
      const stats = ca.events.filter(e => e.name === 'shareStats').flatMap(e => e.payload as Events['shareStats']).filter(x => x.cid === share.cid)
      expect(stats.some(x => x.speed > 0 && x.peers.includes(b.peerId))).toBe(true)
      expect((await ca.call('listShares', {})).find(x => x.cid === share.cid)).toMatchObject({ servedTo: [b.peerId] })
      // Stopping the share deletes the uploaded copy; the downloader keeps its files.
      await ca.call('removeShare', { cid: share.cid })
      expect(await readdir(join(dir(), 'a', 'uploads'))).toEqual([])
      expect((await readFile(join(dir(), 'b-out', 'album', 'track 1.bin'))).length).toBe(bytes.length)
    } finally { ca.close(); cb.close() }
  })

  it('pauses, resumes and cancels a download; cancelling deletes the unfinished data', async () => {
    const ca = await ApiClient.connect(api(a))
    const cb = await ApiClient.connect(api(b))
    try {
      const file = join(dir(), 'big.bin')
      await writeFile(file, randomBytes(16 * 1024 * 1024))
      const share = await ca.call('addShares', { paths: [file] })
      await cb.call('setSettings', { downLimit: 1024 * 1024 })
      const d = await cb.call('startDownload', { target: share.link })
      await until(() => cb.events.some(e => e.name === 'downloadsChanged' && (e.payload as Array<Partial<DownloadInfo>>).some(x => x.id === d.id && (x.bytes ?? 0) > 0)))
      const paused = await cb.call('pauseDownload', { id: d.id })
      expect(paused.state).toBe('paused')
      const partial = paused.bytes
      expect(partial).toBeLessThan(16 * 1024 * 1024)
      // Paused, the map still shows what is verified on disk, and says nobody was asked.
      const map = await cb.call('pieceMap', { id: d.id })
      const verified = [...Buffer.from(map.have, 'base64')].reduce((n, byte) => n + byte.toString(2).split('1').length - 1, 0)
      expect(map.live).toBe(false)
      expect(verified).toBeGreaterThan(0)
      expect(verified).toBeLessThan(map.pieces)
      expect((await readdir(join(dir(), 'b-out'))).includes('big.bin.part')).toBe(true)
      await cb.call('resumeDownload', { id: d.id })
      await until(() => { const x = cb.events.filter(e => e.name === 'downloadsChanged').flatMap(e => e.payload as Array<Partial<DownloadInfo>>).find(x => x.id === d.id && (x.bytes ?? 0) > partial); return x })
      await cb.call('cancelDownload', { id: d.id })
      expect((await cb.call('listDownloads', {})).some(x => x.id === d.id)).toBe(false)
      expect((await readdir(join(dir(), 'b-out'))).some(n => n.startsWith('big.bin'))).toBe(false)
      expect(cb.events.some(e => e.name === 'downloadRemoved' && (e.payload as { id: string }).id === d.id)).toBe(true)
      await cb.call('setSettings', { downLimit: 0 })
    } finally { ca.close(); cb.close() }
  })

  it('keeps settings, the download list (with where it came from) and the UI address across restarts', async () => {
    await b.proc.stop()
    // The first run that picks its own port keeps it, and the token, for the next.
    b = await daemon(join(dir(), 'b'), join(dir(), 'b-out'), [], { keptUiPort: true })
    const before = b.url
    const cb = await ApiClient.connect(api(b))
    await cb.call('setSettings', { upLimit: 123456, publicDht: false })
    const status = await cb.call('status', {})
    expect(status.shell).toBe('daemon')
    cb.close()
    await b.proc.stop()
    b = await daemon(join(dir(), 'b'), join(dir(), 'b-out'), [], { keptUiPort: true })
    // A bookmarked address, and a tab left open, reach the app again.
    expect(b.url).toBe(before)
    const again = await ApiClient.connect(api(b))
    try {
      expect((await again.call('getSettings', {})).upLimit).toBe(123456)
      const album = (await again.call('listDownloads', {})).find(x => x.name === 'album')!
      expect(album).toMatchObject({ state: 'seeding', bytes: album.total })
      expect(Object.keys(album.sources)).toEqual([a.peerId])
      // Stopping seeding keeps the card, as Done, and that survives a restart; Seed again seeds.
      expect(await again.call('pauseDownload', { id: album.id })).toMatchObject({ state: 'finished' })
      expect((await again.call('listShares', {})).some(x => x.cid === album.cid)).toBe(false)
    } finally { again.close() }
    await b.proc.stop()
    b = await daemon(join(dir(), 'b'), join(dir(), 'b-out'))
    const third = await ApiClient.connect(api(b))
    try {
      const album = (await third.call('listDownloads', {})).find(x => x.name === 'album')!
      expect(album.state).toBe('finished')
      await third.call('resumeDownload', { id: album.id })
      await until(async () => (await third.call('listDownloads', {})).find(x => x.id === album.id)?.state === 'seeding', 30_000)
      expect((await third.call('listShares', {})).some(x => x.cid === album.cid)).toBe(true)
    } finally { third.close() }
  })
})
