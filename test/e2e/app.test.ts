import { createServer, type Server } from 'node:http'
import { mkdir, readFile, readdir } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../helpers/browser.js'
import { useScratch } from '../helpers/cli.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'

/** Screenshots of the main views, kept as CI artifacts and copied into docs/screenshots for the README. */
const SHOTS = join(import.meta.dirname, '../../test-results/screenshots')

/** Drops real bytes on the drop zone the way a file manager does: a DataTransfer holding a File. */
async function dropFile (page: Page, name: string, bytes: Buffer): Promise<void> {
  const zone = page.getByRole('region', { name: 'Drop files to share' })
  // Runs in the page (a string, so this Node-typed file needs no DOM types).
  const handle = await page.evaluateHandle(`(() => {
    const bin = atob(${JSON.stringify(bytes.toString('base64'))})
    const data = new Uint8Array(bin.length)
    for (let i = 0; i < bin.length; i++) data[i] = bin.charCodeAt(i)
    const dt = new DataTransfer()
    dt.items.add(new File([data], ${JSON.stringify(name)}, { type: 'application/octet-stream' }))
    return dt
  })()`)
  await zone.dispatchEvent('dragover', { dataTransfer: handle })
  await zone.dispatchEvent('drop', { dataTransfer: handle })
}

async function shareLink (page: Page, name: string): Promise<string> {
  const field = page.getByLabel(`Share link of ${name}`, { exact: true })
  await field.waitFor({ timeout: 60_000 })
  return await field.inputValue()
}

describe('the app in a real browser against two real daemons', () => {
  const { dir, track } = useScratch('swarmdrop-e2e-', { per: 'suite' })
  let a: Daemon
  let b: Daemon
  let context: BrowserContext
  let closeBrowser: () => Promise<void>
  let pageA: Page
  let pageB: Page
  const dialogs: string[] = []
  /** Script errors and CSP violations in either page since the last test ended. */
  const pageErrors: string[] = []

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true })
    a = await startDaemon(join(dir(), 'a'), join(dir(), 'a-out'))
    track(a.proc, 'SIGTERM')
    b = await startDaemon(join(dir(), 'b'), join(dir(), 'b-out'))
    track(b.proc, 'SIGTERM')
    ;({ context, close: closeBrowser } = await launchChromium())
    context.on('dialog', d => { dialogs.push(d.message()); void d.dismiss() })
    pageA = await context.newPage()
    pageB = await context.newPage()
    for (const p of [pageA, pageB]) {
      p.on('dialog', d => { dialogs.push(d.message()); void d.dismiss() })
      p.on('pageerror', e => { pageErrors.push(e.message) })
      p.on('console', m => { if (m.type() === 'error') pageErrors.push(m.text()) })
    }
    await pageA.goto(a.url)
    await pageB.goto(b.url)
  }, 120_000)

  afterAll(async () => { await closeBrowser?.() })

  // Each test answers for the errors that happened while it ran, alone (-t) or in the file.
  afterEach(() => {
    expect(pageErrors.splice(0), 'a script error or a CSP violation in either page').toEqual([])
  })

  it('shows empty states that say what to do, and takes the token out of the address bar', async () => {
    await expect.poll(async () => await pageA.getByText('Nothing shared yet').isVisible()).toBe(true)
    await expect.poll(async () => await pageA.getByText('No downloads yet').isVisible()).toBe(true)
    expect(new URL(pageA.url()).searchParams.get('token')).toBeNull()
    await pageA.screenshot({ path: join(SHOTS, 'empty.png'), fullPage: true })
  })

  it('drops a file into A, pastes its link into B, and B downloads it bit-exact', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 12345)
    await dropFile(pageA, 'holiday.bin', bytes)
    const link = await shareLink(pageA, 'holiday.bin')
    expect(link).toMatch(/^swarmdrop:\/\/bafy/)
    await expect.poll(async () => await pageA.getByRole('img', { name: /QR code of the link for holiday\.bin/ }).isVisible()).toBe(true)
    await pageA.screenshot({ path: join(SHOTS, 'share.png'), fullPage: true })

    const box = pageB.getByLabel('Peer ID or link')
    await box.fill(link)
    await box.press('Enter')
    const item = pageB.getByRole('listitem', { name: 'holiday.bin', exact: true }).filter({ has: pageB.getByRole('progressbar') })
    await item.waitFor({ timeout: 30_000 })
    await expect.poll(async () => await item.getByText('Done · seeding').isVisible(), { timeout: 60_000 }).toBe(true)
    await expect.poll(async () => await item.getByRole('img', { name: /Piece map of holiday\.bin: (\d+) of \1 pieces/ }).isVisible()).toBe(true)
    await pageB.screenshot({ path: join(SHOTS, 'download.png'), fullPage: true })

    await expect.poll(async () => await pageB.getByRole('status').getByText('Downloaded holiday.bin').isVisible()).toBe(true)
    const onDisk = await readFile(join(dir(), 'b-out', 'holiday.bin'))
    expect(onDisk.equals(bytes)).toBe(true)
    // The download says where its bytes came from, and that the route was direct.
    await expect.poll(async () => await item.getByText(/Received from: .* \(direct\)/).isVisible()).toBe(true)
    await expect.poll(async () => await item.getByRole('list', { name: 'Routes' }).getByRole('listitem').allTextContents()).toEqual(['You — peer (direct)3.2 MB'])
    // The sharer is told who downloaded it and how much went out; the download is not listed as B's own share.
    const sharer = pageA.getByRole('listitem', { name: 'holiday.bin', exact: true })
    await expect.poll(async () => await sharer.locator('.upload-line').textContent(), { timeout: 10_000 }).toMatch(/^Sent 3\.\d MB to 1 peer/)
    expect(await pageB.getByLabel('Share link of holiday.bin').count()).toBe(0)
  })

  it('a typed upload limit of "2MB" holds the peer near 2 MB/s; a pause keeps the verified pieces on the map', async () => {
    await pageA.getByRole('tab', { name: 'Settings' }).click()
    const up = pageA.getByLabel('Upload limit per second')
    await up.fill('2MB')
    await up.press('Enter')
    await expect.poll(async () => await pageA.getByRole('status').filter({ hasText: 'Saved' }).isVisible()).toBe(true)
    await pageA.getByRole('tab', { name: 'Transfers' }).click()
    const size = 12 * 1000 * 1000
    await dropFile(pageA, 'limited.bin', randomBytes(size))
    const link = await shareLink(pageA, 'limited.bin')
    const box = pageB.getByLabel('Peer ID or link')
    await box.fill(link)
    await box.press('Enter')
    const item = pageB.getByRole('listitem', { name: 'limited.bin', exact: true })
    const bar = item.getByRole('progressbar', { name: 'Progress of limited.bin' })
    const received = async (): Promise<number> => Number(await bar.getAttribute('value'))
    await expect.poll(received, { timeout: 30_000 }).toBeGreaterThan(size * 0.1)
    const t0 = Date.now()
    const b0 = await received()
    await expect.poll(received, { timeout: 30_000 }).toBeGreaterThan(size * 0.3)
    const rate = (await received() - b0) / ((Date.now() - t0) / 1000)
    // Unlimited, loopback moves this in well under a second; the cap holds it near 2 MB/s (the sampling adds slack both ways).
    expect(rate).toBeGreaterThan(0.8e6)
    expect(rate).toBeLessThan(3.2e6)
    await item.getByRole('button', { name: 'Pause limited.bin' }).click()
    await expect.poll(async () => await item.getByText('Paused', { exact: true }).isVisible()).toBe(true)
    const map = item.getByRole('img', { name: /^Piece map of limited\.bin: \d+ of \d+ pieces verified$/ })
    await map.waitFor()
    const [, have, total] = /(\d+) of (\d+)/.exec(await map.getAttribute('aria-label') ?? '')!.map(Number)
    expect(have).toBeGreaterThan(0)
    expect(have).toBeLessThan(total!)
    await expect.poll(async () => await item.locator('.piecemap-caption').textContent()).toContain('paused, so nobody is asked for the rest')
    await pageB.screenshot({ path: join(SHOTS, 'paused.png'), fullPage: true })
    // In a small window the active download still starts above the fold.
    const size0 = pageB.viewportSize()
    await pageB.setViewportSize({ width: 800, height: 600 })
    expect((await item.boundingBox())!.y).toBeLessThan(600 - 100)
    await pageB.screenshot({ path: join(SHOTS, 'small-window.png') })
    if (size0 != null) await pageB.setViewportSize(size0)
    await pageA.getByRole('tab', { name: 'Settings' }).click()
    await up.fill('0')
    await up.press('Enter')
    await pageA.getByRole('tab', { name: 'Transfers' }).click()
    await item.getByRole('button', { name: 'Resume limited.bin' }).click()
    await expect.poll(async () => await item.getByText('Done · seeding').isVisible(), { timeout: 60_000 }).toBe(true)
  })

  it('says a failure in Korean, in words for people, with the raw text only as a detail', async () => {
    await pageB.getByLabel('Language').selectOption('ko')
    const box = pageB.getByLabel('피어 ID 또는 링크')
    await box.fill('swarmdrop://not-a-real-cid')
    await box.press('Enter')
    const alert = pageB.locator('.join [role="alert"]')
    await expect.poll(async () => await alert.locator('p').textContent()).toBe('Swarmdrop 링크가 아닙니다. swarmdrop://로 시작하는 링크 전체를 복사해 다시 붙여 넣으세요.')
    expect(await alert.locator('summary').textContent()).toBe('자세히')
    await pageB.screenshot({ path: join(SHOTS, 'error-korean.png'), fullPage: true })
    await box.fill('')
    await pageB.getByLabel('언어').selectOption('en')
  })

  it('keeps the session across a reload, and a page opened without its token says how to open the app', async () => {
    await pageA.reload()
    await expect.poll(async () => await pageA.getByLabel('Share link of holiday.bin').isVisible(), { timeout: 15_000 }).toBe(true)
    expect(await pageA.getByText('Lost the connection').count()).toBe(0)
    const bare = await context.newPage()
    try {
      await bare.goto(`${a.origin}/`)
      await expect.poll(async () => await bare.getByRole('alert').textContent(), { timeout: 15_000 }).toContain('swarmdrop daemon')
      await bare.screenshot({ path: join(SHOTS, 'no-token.png'), fullPage: true })
    } finally { await bare.close() }
  })

  it('lists the peer it downloaded from in the peers view, with its route', async () => {
    await pageB.getByRole('tab', { name: /Peers/ }).click()
    const row = pageB.getByRole('row').filter({ hasText: a.peerId })
    await row.waitFor({ timeout: 15_000 })
    await expect.poll(async () => await row.getByText('Direct').isVisible()).toBe(true)
    await expect.poll(async () => await row.getByText(/^\d+ ms$/).isVisible(), { timeout: 15_000 }).toBe(true)
    // How the internet reaches this daemon, in words: on loopback with no hub, nobody outside can.
    const reach = pageB.getByRole('region', { name: 'How peers reach you' })
    expect(await reach.locator('[data-reach]').textContent()).toBe('No hub and no open port: only peers on your network and public peers can reach you.')
    expect(await reach.getByText(/Router port mapping/).textContent()).toContain('not needed')
    await reach.getByRole('button', { name: 'Check again' }).click()
    await expect.poll(async () => await reach.getByRole('button', { name: 'Check again' }).isEnabled()).toBe(true)
    await pageB.screenshot({ path: join(SHOTS, 'peers.png'), fullPage: true })
    await pageB.getByRole('tab', { name: 'Swarm feed' }).click()
    await expect.poll(async () => await pageB.getByText(/is seeding|shares "holiday\.bin"|joined/).first().isVisible(), { timeout: 40_000 }).toBe(true)
    await pageB.screenshot({ path: join(SHOTS, 'feed.png'), fullPage: true })
    await pageB.getByRole('tab', { name: 'Settings' }).click()
    await expect.poll(async () => await pageB.getByLabel('Download folder').inputValue()).toBe(join(dir(), 'b-out'))
    await pageB.screenshot({ path: join(SHOTS, 'settings.png'), fullPage: true })
    await pageB.getByRole('tab', { name: 'Transfers' }).click()
  })

  it('shows a file named like HTML as text, in the share list and in a peer\'s catalog', async () => {
    const evil = '<img src=x onerror=alert(1)>'
    await dropFile(pageA, evil, randomBytes(1000))
    await shareLink(pageA, evil)
    await expect.poll(async () => await pageA.getByRole('heading', { name: evil }).isVisible()).toBe(true)
    // Browsing A by its bare peer ID opens A's catalog in B.
    const box = pageB.getByLabel('Peer ID or link')
    await box.fill(a.peerId)
    await box.press('Enter')
    const catalog = pageB.getByRole('region', { name: /Shared by/ })
    await catalog.waitFor({ timeout: 30_000 })
    await expect.poll(async () => await catalog.getByText(evil, { exact: true }).isVisible()).toBe(true)
    await expect.poll(async () => await catalog.getByText('holiday.bin', { exact: true }).isVisible()).toBe(true)
    await pageB.screenshot({ path: join(SHOTS, 'catalog.png'), fullPage: true })
    // No element was made from the name, and nothing ran.
    expect(await pageA.locator('img[src="x"]').count()).toBe(0)
    expect(await pageB.locator('img[src="x"]').count()).toBe(0)
    expect(dialogs).toEqual([])
    // Downloading it from the catalog stores it under a safe name inside the download folder.
    await catalog.getByRole('listitem', { name: evil, exact: true }).getByRole('button', { name: `Download ${evil}` }).click()
    const item = pageB.getByRole('listitem', { name: evil, exact: true }).filter({ has: pageB.getByRole('progressbar') })
    await expect.poll(async () => await item.getByText('Done · seeding').isVisible(), { timeout: 60_000 }).toBe(true)
    expect((await readdir(join(dir(), 'b-out'))).sort()).toEqual(['_img src=x onerror=alert(1)_', 'holiday.bin', 'limited.bin'])
    expect(dialogs).toEqual([])
  })

  it('switches to Korean and to the dark theme', async () => {
    await pageA.getByLabel('Language').selectOption('ko')
    await expect.poll(async () => await pageA.getByRole('region', { name: '공유할 파일을 끌어다 놓기' }).isVisible()).toBe(true)
    await pageA.getByLabel('테마').selectOption('dark')
    const bg = await pageA.evaluate('getComputedStyle(document.body).backgroundColor')
    expect(bg).toBe('rgb(18, 21, 28)')
    await pageA.screenshot({ path: join(SHOTS, 'korean-dark.png'), fullPage: true })
    await pageA.getByLabel('언어').selectOption('en')
    await pageA.getByLabel('Theme').selectOption('light')
  })

  it('refuses a page from another site that holds the right token', async () => {
    // A foreign origin (another port is another site) tries to drive A's API.
    const foreign: Server = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<!doctype html><title>foreign</title>') })
    await new Promise<void>(resolve => foreign.listen(0, '127.0.0.1', resolve))
    try {
      const page = await context.newPage()
      await page.goto(`http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`)
      const wsUrl = `${a.origin.replace('http', 'ws')}/api?token=${a.token}`
      const outcome = await page.evaluate(async url => await new Promise<string>(resolve => {
        const ws = new WebSocket(url)
        ws.onopen = () => { resolve('open') }
        ws.onerror = () => { resolve('refused') }
      }), wsUrl)
      expect(outcome).toBe('refused')
      const upload = await page.evaluate(async url => {
        try {
          const r = await fetch(url, { method: 'POST', body: 'x', headers: { 'x-swarmdrop-token': 'guess' } })
          return r.status
        } catch { return 'blocked' }
      }, `${a.origin}/upload?job=${'0'.repeat(32)}&path=x`)
      expect(upload).toBe('blocked')
      await page.close()
    } finally {
      foreign.close()
    }
  })
})
