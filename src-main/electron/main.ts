/**
 * Electron's main process: a thin broker. The engine runs in a
 * utilityProcess (engine-host.ts); this process owns the window, the tray,
 * notifications and deep links, and passes API calls between the window
 * (IPC through the preload) and the engine, checking every sender.
 */
import { app, BrowserWindow, ipcMain, Menu, nativeImage, net, Notification, protocol, shell, Tray, utilityProcess, type UtilityProcess } from 'electron'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { COMMAND_NAMES, IPC_CHANNEL_PREFIX, IPC_CONNECTION_CHANNEL, IPC_EVENT_CHANNEL } from '../../shared/api-names.js'
import type { Events, Result, ServerFrame } from '../../shared/api.js'
import { CSP } from '../../shared/csp.js'
import { ErrorCodes } from '../../shared/errors.js'
import { allowNavigation, APP_ORIGIN, APP_SCHEME, assetPath, deepLinkFromArgv, externalUrl, isTrustedSender, pageMayCall, SHARE_DROPPED_CHANNEL, windowOptions } from './security.js'
import { trayTitle } from './tray-title.js'

const here = fileURLToPath(new URL('.', import.meta.url))
const rendererRoot = join(here, '../../renderer')
const preload = join(here, 'preload.cjs')
const version = (JSON.parse(readFileSync(join(here, '../../../package.json'), 'utf8')) as { version: string }).version

/** A call the engine has not answered in this time has failed (a stuck engine must not hang the UI forever). */
const CALL_TIMEOUT_MS = 120_000

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }])

// A second profile on one machine (and each instance of the Electron suite) names its own folder;
// the single-instance lock is per profile folder, so it must be set before the lock is asked for.
if (process.env.SWARMDROP_USER_DATA != null && process.env.SWARMDROP_USER_DATA !== '') app.setPath('userData', process.env.SWARMDROP_USER_DATA)

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  let win: BrowserWindow | null = null
  let engine: UtilityProcess | null = null
  let tray: Tray | null = null
  let nextId = 1
  const pending = new Map<number, (r: Result<unknown>) => void>()
  let pendingLink: string | null = deepLinkFromArgv(process.argv)

  const send = <E extends keyof Events>(name: E, payload: Events[E]): void => { win?.webContents.send(IPC_EVENT_CHANNEL, name, payload) }

  const callEngine = async (command: string, request: unknown): Promise<Result<unknown>> => {
    if (engine == null) return { ok: false, error: { code: ErrorCodes.ABORTED, message: 'the engine is not running' } }
    const id = nextId++
    return await new Promise(resolve => {
      const timer = setTimeout(() => { pending.delete(id); resolve({ ok: false, error: { code: ErrorCodes.TIMEOUT, message: `${command} took too long` } }) }, CALL_TIMEOUT_MS)
      pending.set(id, r => { clearTimeout(timer); resolve(r) })
      engine!.postMessage({ type: 'call', id, command, request })
    })
  }

  const openLink = (link: string): void => {
    void callEngine('startDownload', { target: link })
    win?.show()
    win?.focus()
  }

  const startEngine = (): void => {
    engine = utilityProcess.fork(join(here, 'engine-host.js'), [], { serviceName: 'Swarmdrop engine' })
    engine.postMessage({ type: 'start', dataDir: join(app.getPath('userData'), 'node'), version })
    engine.on('message', (msg: ServerFrame | { type: 'ready' } | { type: 'failed', message: string } | { type: 'open', how: 'open' | 'reveal', path: string }) => {
      if (msg.type === 'result') {
        pending.get(msg.id)?.(msg.result)
        pending.delete(msg.id)
      } else if (msg.type === 'event') {
        send(msg.name, msg.payload as never)
        if (msg.name === 'throughput') tray?.setToolTip(trayTitle(msg.payload as Events['throughput']))
        if (msg.name === 'downloadFinished' && Notification.isSupported()) {
          const p = msg.payload as Events['downloadFinished']
          new Notification({ title: 'Download finished', body: p.name }).show()
        }
      } else if (msg.type === 'ready') {
        win?.webContents.send(IPC_CONNECTION_CHANNEL, 'up')
        if (pendingLink != null) { openLink(pendingLink); pendingLink = null }
      } else if (msg.type === 'open') {
        // The path came from the engine's own records, looked up by transfer id.
        if (msg.how === 'open') void shell.openPath(msg.path)
        else shell.showItemInFolder(msg.path)
      } else if (msg.type === 'failed') {
        console.error(`Swarmdrop engine failed to start: ${msg.message}`)
      }
    })
    engine.on('exit', code => {
      for (const resolve of pending.values()) resolve({ ok: false, error: { code: ErrorCodes.ABORTED, message: 'the engine stopped' } })
      pending.clear()
      engine = null
      // The window says the engine is gone (and disables its controls) until the restarted one is ready.
      if (!quitting) win?.webContents.send(IPC_CONNECTION_CHANNEL, 'down')
      // A crashed engine is restarted; the window stays up and reconnects.
      if (code !== 0 && !quitting) setTimeout(startEngine, 1000)
    })
  }

  let quitting = false

  const createWindow = (): void => {
    win = new BrowserWindow(windowOptions(preload))
    const contents = win.webContents
    contents.on('will-navigate', (e, url) => { if (!allowNavigation(url)) e.preventDefault() })
    contents.on('will-redirect', (e, url) => { if (!allowNavigation(url)) e.preventDefault() })
    contents.setWindowOpenHandler(({ url }) => {
      const ext = externalUrl(url)
      if (ext != null) void shell.openExternal(ext)
      return { action: 'deny' }
    })
    contents.on('will-attach-webview', e => { e.preventDefault() })
    contents.session.setPermissionRequestHandler((_wc, permission, cb) => { cb(permission === 'clipboard-sanitized-write' || permission === 'notifications') })
    win.once('ready-to-show', () => { win?.show() })
    win.on('closed', () => { win = null })
    void win.loadURL(`${APP_ORIGIN}/index.html`)
  }

  app.on('second-instance', (_e, argv) => {
    const link = deepLinkFromArgv(argv)
    if (link != null) openLink(link)
    else { win?.show(); win?.focus() }
  })
  app.on('open-url', (e, url) => {
    e.preventDefault()
    if (engine == null) pendingLink = url
    else openLink(url)
  })
  app.on('web-contents-created', (_e, wc) => {
    wc.on('will-navigate', (ev, url) => { if (!allowNavigation(url)) ev.preventDefault() })
    wc.setWindowOpenHandler(() => ({ action: 'deny' }))
  })

  void app.whenReady().then(() => {
    app.setAsDefaultProtocolClient('swarmdrop')
    protocol.handle(APP_SCHEME, async req => {
      const rel = assetPath(req.url)
      if (rel == null) return new Response('not found', { status: 404 })
      const res = await net.fetch(pathToFileURL(join(rendererRoot, rel)).toString()).catch(() => null)
      if (res == null || !res.ok) return await net.fetch(pathToFileURL(join(rendererRoot, 'index.html')).toString())
      const headers = new Headers(res.headers)
      headers.set('content-security-policy', CSP)
      headers.set('x-content-type-options', 'nosniff')
      return new Response(res.body, { status: 200, headers })
    })
    /** Every channel answers only the window's own top frame. */
    const handle = (channel: string, answer: (request: unknown) => Promise<Result<unknown>>): void => {
      ipcMain.handle(channel, async (event, request: unknown) => {
        if (!isTrustedSender(event, win?.webContents.id ?? null)) return { ok: false, error: { code: ErrorCodes.USAGE, message: 'refused: not the Swarmdrop window' } }
        return await answer(request)
      })
    }
    for (const name of COMMAND_NAMES) {
      handle(IPC_CHANNEL_PREFIX + name, async request => {
        if (!pageMayCall(name)) return { ok: false, error: { code: ErrorCodes.NOT_ALLOWED, message: `refused: ${name} takes paths only from a drop or the file picker` } }
        return await callEngine(name, request)
      })
    }
    handle(SHARE_DROPPED_CHANNEL, async paths => await callEngine('addShares', { paths }))
    startEngine()
    createWindow()
    tray = new Tray(nativeImage.createFromPath(join(here, '../../../assets/tray.png')))
    tray.setToolTip('Swarmdrop')
    tray.setContextMenu(Menu.buildFromTemplate([
      { label: 'Show Swarmdrop', click: () => { if (win == null) createWindow(); else { win.show(); win.focus() } } },
      { type: 'separator' },
      { label: 'Quit', click: () => { app.quit() } }
    ]))
    tray.on('click', () => { win?.show() })
  })

  app.on('window-all-closed', () => {
    // Keep seeding from the tray, as torrent clients do; Quit is in the tray menu.
  })
  app.on('before-quit', () => {
    quitting = true
    engine?.postMessage({ type: 'stop' })
  })
  app.on('activate', () => { if (win == null) createWindow() })
}
