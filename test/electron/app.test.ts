import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { _electron, type ElectronApplication, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/**
 * The desktop app itself: the real Electron runtime, main process, app://
 * protocol, preload, utilityProcess engine and window, driven by
 * playwright-core. Run by scripts/test-electron.js, which finds the runtime
 * (SWARMDROP_ELECTRON) and a display; run any other way it fails at once
 * rather than pass without having run.
 */

const ROOT = join(import.meta.dirname, '../..')
const EXE = process.env.SWARMDROP_ELECTRON
const SHOTS = join(ROOT, 'test-results/screenshots')

interface Instance { app: ElectronApplication, page: Page, profile: string }

/** One app instance with its own profile folder (its data, its single-instance lock). */
async function launch (profile: string): Promise<Instance> {
  const app = await _electron.launch({
    executablePath: EXE,
    args: [ROOT],
    env: { ...process.env, SWARMDROP_USER_DATA: profile, ELECTRON_ENABLE_LOGGING: '1' },
    timeout: 60_000
  })
  const page = await app.firstWindow()
  await page.getByRole('region', { name: 'Drop files to share' }).waitFor({ timeout: 60_000 })
  // The engine is up once the peer ID shows.
  await page.getByText('Your peer ID').waitFor({ timeout: 60_000 })
  return { app, page, profile }
}

/**
 * Writes `bytes` as `name` under `dir` and shares it from `page` through the
 * file picker: setInputFiles hands the page real File objects backed by the
 * file, as a picker does, so the preload's webUtils finds its path. Returns the link.
 */
async function shareFile (page: Page, dir: string, name: string, bytes: Buffer): Promise<string> {
  const file = join(dir, name)
  await writeFile(file, bytes)
  await page.setInputFiles('[data-testid="file-input"]', file)
  const field = page.getByLabel(`Share link of ${name}`, { exact: true })
  await field.waitFor({ timeout: 60_000 })
  return await field.inputValue()
}

async function setDownloadFolder (page: Page, dir: string): Promise<void> {
  await page.getByRole('tab', { name: 'Settings' }).click()
  const field = page.getByLabel('Download folder')
  await field.fill(dir)
  await field.press('Enter')
  await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor()
  await page.getByRole('tab', { name: 'Transfers' }).click()
}

describe('the desktop app (Electron)', () => {
  let dir: string
  let a: Instance
  let b: Instance

  beforeAll(async () => {
    if (EXE == null || EXE === '') throw new Error('SWARMDROP_ELECTRON is not set: run this suite with `npm run test:electron`')
    dir = await mkdtemp(join(tmpdir(), 'swarmdrop-electron-'))
    await mkdir(join(dir, 'files'))
    await mkdir(join(dir, 'b-out'))
    a = await launch(join(dir, 'profile-a'))
    b = await launch(join(dir, 'profile-b'))
    await setDownloadFolder(b.page, join(dir, 'b-out'))
  })

  afterAll(async () => {
    await a?.app.close().catch(() => {})
    await b?.app.close().catch(() => {})
    if (dir != null) await rm(dir, { recursive: true, force: true })
  })

  it('the page has no require, no process and no generic IPC; it cannot name a path to share', async () => {
    const seen = await a.page.evaluate(`(() => ({
      require: typeof require,
      process: typeof process,
      ipc: typeof (window.swarmdrop && window.swarmdrop.invoke),
      addShares: typeof (window.swarmdrop && window.swarmdrop.addShares),
      status: typeof (window.swarmdrop && window.swarmdrop.status)
    }))()`)
    expect(seen).toEqual({ require: 'undefined', process: 'undefined', ipc: 'undefined', addShares: 'undefined', status: 'function' })
    // A File the page makes itself has no path: nothing is shared.
    const made = await a.page.evaluate(`window.swarmdrop.shareFiles([{ file: new File(['x'], 'made.txt'), relativePath: 'made.txt' }]).then(() => 'shared', e => e.code)`)
    expect(made).not.toBe('shared')
  })

  it('shares a picked file through the preload (webUtils), and a second instance downloads it bit-exact', async () => {
    const bytes = randomBytes(2 * 1024 * 1024 + 3)
    const link = await shareFile(a.page, join(dir, 'files'), 'desk.bin', bytes)
    expect(link).toMatch(/^swarmdrop:\/\/bafy/)
    await a.page.screenshot({ path: join(SHOTS, 'electron-share.png') })
    const box = b.page.getByLabel('Peer ID or link')
    await box.fill(link)
    await box.press('Enter')
    const item = b.page.getByRole('listitem', { name: 'desk.bin', exact: true })
    await item.getByText('Done · seeding').waitFor({ timeout: 60_000 })
    expect((await readFile(join(dir, 'b-out', 'desk.bin'))).equals(bytes)).toBe(true)
  })

  it('a swarmdrop:// link handed to a running instance starts the download there', async () => {
    const bytes = randomBytes(300_000)
    const link = await shareFile(a.page, join(dir, 'files'), 'linked.bin', bytes)
    // What the OS does for a clicked link: start the app again with it; the lock sends it to B and this one exits.
    const second = spawn(EXE!, [ROOT, link], { env: { ...process.env, SWARMDROP_USER_DATA: b.profile }, stdio: 'ignore' })
    const code = await new Promise<number | null>(resolve => second.on('exit', resolve))
    expect(code).toBe(0)
    await b.page.getByRole('listitem', { name: 'linked.bin', exact: true }).getByText('Done · seeding').waitFor({ timeout: 60_000 })
    expect((await readFile(join(dir, 'b-out', 'linked.bin'))).equals(bytes)).toBe(true)
  })

  it('refuses navigation and window.open to another origin', async () => {
    const other: Server = createServer((_req, res) => { res.end('<title>elsewhere</title>') })
    await new Promise<void>(resolve => other.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}/`
      const opened = await a.page.evaluate(`window.open(${JSON.stringify(url)}) === null`)
      expect(opened).toBe(true)
      expect(a.app.windows()).toHaveLength(1)
      // The main process hears of the navigation before anything loads, and its guard (added when
      // the window was made) runs before this listener: the event says whether it was refused.
      const heard = await a.app.evaluateHandle(({ BrowserWindow }) => {
        const contents = BrowserWindow.getAllWindows()[0]!.webContents
        return {
          navigation: new Promise<{ url: string, refused: boolean }>(resolve => {
            contents.once('will-navigate', (event, to) => { resolve({ url: to, refused: event.defaultPrevented }) })
          })
        }
      })
      await a.page.evaluate(`location.href = ${JSON.stringify(url)}`).catch(() => {})
      expect(await heard.evaluate(async h => await h.navigation)).toEqual({ url, refused: true })
      expect(a.page.url()).toMatch(/^app:\/\/swarmdrop\//)
    } finally { other.close() }
  })

  it('a killed engine shows in the window, and the engine comes back by itself', async () => {
    const pids = await a.app.evaluate(({ app }) => app.getAppMetrics().filter(m => m.type === 'Utility' && m.serviceName === 'Swarmdrop engine').map(m => m.pid))
    expect(pids).toHaveLength(1)
    process.kill(pids[0]!, 'SIGKILL')
    await a.page.getByRole('alert').filter({ hasText: 'Lost the connection to Swarmdrop' }).waitFor({ timeout: 15_000 })
    await a.page.screenshot({ path: join(SHOTS, 'electron-engine-down.png') })
    await a.page.getByRole('alert').filter({ hasText: 'Lost the connection to Swarmdrop' }).waitFor({ state: 'detached', timeout: 60_000 })
    // Back, with its shares.
    await a.page.getByLabel('Share link of desk.bin', { exact: true }).waitFor({ timeout: 30_000 })
    const after = await a.app.evaluate(({ app }) => app.getAppMetrics().filter(m => m.type === 'Utility' && m.serviceName === 'Swarmdrop engine').map(m => m.pid))
    expect(after).toHaveLength(1)
    expect(after[0]).not.toBe(pids[0])
  })
})
