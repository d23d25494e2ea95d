import { describe, expect, it } from 'vitest'
import { CSP } from '../../../shared/csp.js'
import { COMMAND_NAMES, IPC_CHANNEL_PREFIX } from '../../../shared/api-names.js'
import { allowNavigation, APP_ORIGIN, assetPath, deepLinkFromArgv, externalUrl, isTrustedSender, pageMayCall, SHARE_DROPPED_CHANNEL, windowOptions, type SenderInfo } from '../../../src-main/electron/security.js'

const WINDOW = 7
const event = (url: string | null, opts: { id?: number, parent?: unknown } = {}): SenderInfo => ({
  sender: { id: opts.id ?? WINDOW },
  senderFrame: url == null ? null : { url, parent: opts.parent ?? null }
})

describe('window options', () => {
  it('runs the renderer sandboxed and isolated, with no Node and no webviews', () => {
    const w = windowOptions('/app/preload.cjs').webPreferences!
    expect(w.sandbox).toBe(true)
    expect(w.contextIsolation).toBe(true)
    expect(w.nodeIntegration).toBe(false)
    expect(w.nodeIntegrationInWorker).toBe(false)
    expect(w.nodeIntegrationInSubFrames).toBe(false)
    expect(w.webSecurity).toBe(true)
    expect(w.allowRunningInsecureContent).toBe(false)
    expect(w.webviewTag).toBe(false)
    expect(w.navigateOnDragDrop).toBe(false)
    expect(w.preload).toBe('/app/preload.cjs')
  })

  it('has a CSP with no inline or eval scripts and no remote content', () => {
    expect(CSP).toContain("default-src 'none'")
    expect(CSP).toContain("script-src 'self'")
    expect(CSP).not.toMatch(/unsafe-(inline|eval)/)
    expect(CSP).not.toMatch(/https?:/)
    expect(CSP).toContain("object-src 'none'")
  })
})

describe('IPC sender check', () => {
  it('accepts the top frame of our window showing our page', () => {
    expect(isTrustedSender(event(`${APP_ORIGIN}/index.html`), WINDOW)).toBe(true)
  })

  it('refuses another webContents, a subframe, a foreign page, a file:// page and a missing frame', () => {
    expect(isTrustedSender(event(`${APP_ORIGIN}/index.html`, { id: 8 }), WINDOW)).toBe(false)
    expect(isTrustedSender(event(`${APP_ORIGIN}/index.html`, { parent: {} }), WINDOW)).toBe(false)
    expect(isTrustedSender(event('https://evil.example/'), WINDOW)).toBe(false)
    expect(isTrustedSender(event('file:///home/u/index.html'), WINDOW)).toBe(false)
    expect(isTrustedSender(event('app://swarmdrop.evil.example/'), WINDOW)).toBe(false)
    expect(isTrustedSender(event(null), WINDOW)).toBe(false)
    expect(isTrustedSender(event(`${APP_ORIGIN}/index.html`), null)).toBe(false)
  })
})

describe('navigation and new windows', () => {
  it('stays on our own pages and sends web links to the system browser only', () => {
    expect(allowNavigation(`${APP_ORIGIN}/index.html`)).toBe(true)
    expect(allowNavigation('https://example.com/')).toBe(false)
    expect(allowNavigation('file:///etc/passwd')).toBe(false)
    expect(allowNavigation('javascript:alert(1)')).toBe(false)
    expect(externalUrl('https://example.com/a')).toBe('https://example.com/a')
    expect(externalUrl('file:///etc/passwd')).toBeNull()
    expect(externalUrl('smb://host/share')).toBeNull()
    expect(externalUrl('javascript:alert(1)')).toBeNull()
  })

  it('serves only files inside the built UI through app://', () => {
    expect(assetPath(`${APP_ORIGIN}/`)).toBe('index.html')
    expect(assetPath(`${APP_ORIGIN}/assets/index.js`)).toBe('assets/index.js')
    expect(assetPath(`${APP_ORIGIN}/..%2f..%2fetc/passwd`)).toBeNull()
    expect(assetPath(`${APP_ORIGIN}/a%5c..%5cb`)).toBeNull()
    expect(assetPath('https://evil.example/assets/index.js')).toBeNull()
  })

  it('finds a swarmdrop:// link among the arguments the OS passes', () => {
    expect(deepLinkFromArgv(['/usr/bin/swarmdrop', '--flag', 'swarmdrop://bafyabc?name=x'])).toBe('swarmdrop://bafyabc?name=x')
    expect(deepLinkFromArgv(['/usr/bin/swarmdrop'])).toBeNull()
  })
})

describe('share paths', () => {
  it('never come from the page by name: addShares is refused on the generic channel, every other command passes', () => {
    expect(pageMayCall('addShares')).toBe(false)
    for (const name of COMMAND_NAMES.filter(n => n !== 'addShares')) expect(pageMayCall(name)).toBe(true)
    expect(SHARE_DROPPED_CHANNEL.startsWith(IPC_CHANNEL_PREFIX)).toBe(true)
    expect(COMMAND_NAMES.map(n => IPC_CHANNEL_PREFIX + n)).not.toContain(SHARE_DROPPED_CHANNEL)
  })
})
