import { mkdir } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../helpers/browser.js'
import { MiB, randomFile, run, sha256File, useScratch } from '../helpers/cli.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'

const SHOTS = join(import.meta.dirname, '../../test-results/screenshots')

/** A port free on loopback right now: the seeder is started on it twice, as a user's same command would be. */
async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise(resolve => server.close(resolve))
  return port
}

describe('the app when the only seeder leaves and comes back', () => {
  const { dir, track } = useScratch('swarmdrop-e2e-wait-', { per: 'suite' })
  let b: Daemon
  let context: BrowserContext
  let closeBrowser: () => Promise<void>
  let page: Page

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true })
    b = await startDaemon(join(dir(), 'b'), join(dir(), 'b-out'), ['--no-mdns'])
    track(b.proc, 'SIGTERM')
    ;({ context, close: closeBrowser } = await launchChromium())
    page = await context.newPage()
    await page.goto(b.url)
  }, 120_000)

  afterAll(async () => { await closeBrowser?.() })

  it('the card says it is waiting and who it last saw, then completes with no click', async () => {
    const src = join(dir(), 'lecture.bin')
    const size = 16 * MiB
    const hash = await randomFile(src, size)
    const port = await freePort()
    const seederArgs = ['share', src, '--data', join(dir(), 'seeder'), '--listen', `/ip4/127.0.0.1/tcp/${port}`, '--json', '--up-limit', '3MB']
    let seeder = run(seederArgs)
    track(seeder)
    const link = (await seeder.waitForEvent('sharing')).link

    const box = page.getByLabel('Peer ID or link')
    await box.fill(link)
    await box.press('Enter')
    const item = page.getByRole('listitem', { name: 'lecture.bin', exact: true }).filter({ has: page.getByRole('progressbar') })
    await item.waitFor({ timeout: 30_000 })
    await expect.poll(async () => Number(await item.getByRole('progressbar').getAttribute('value')), { timeout: 30_000 }).toBeGreaterThan(size / 4)
    await seeder.stop('SIGTERM')

    await expect.poll(async () => await item.getByText('Waiting for peers', { exact: true }).isVisible(), { timeout: 30_000 }).toBe(true)
    const why = item.getByRole('status')
    await expect.poll(async () => await why.textContent(), { timeout: 10_000 }).toMatch(/^Waiting for peers — last seen 12D3Ko…\w{6}, \d+s ago\. Still looking; next try in \d+s\./)
    // No Retry: it keeps looking by itself.
    expect(await item.getByRole('button', { name: 'Retry' }).count()).toBe(0)
    await page.screenshot({ path: join(SHOTS, 'waiting.png'), fullPage: true })

    seeder = run(seederArgs)
    track(seeder)
    await seeder.waitFor(e => e.event === 'sharing')
    await expect.poll(async () => await item.getByText('Done · seeding').isVisible(), { timeout: 60_000 }).toBe(true)
    expect(await item.getByRole('status').count()).toBe(0)
    expect(await sha256File(join(dir(), 'b-out', 'lecture.bin'))).toBe(hash)
  })
})
