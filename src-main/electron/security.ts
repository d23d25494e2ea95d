import type { BrowserWindowConstructorOptions } from 'electron'

/**
 * The window's security settings and the checks that guard IPC, as pure
 * functions so a unit test can prove each one refuses what it must
 * (STYLE.md §6: a security check that ships inverted is caught by its test).
 * Only types come from Electron here; the test runs in plain Node.
 */

/** The renderer is served through this custom protocol, never file://. */
export const APP_SCHEME = 'app'
export const APP_HOST = 'swarmdrop'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`

export function windowOptions (preload: string): BrowserWindowConstructorOptions {
  return {
    width: 1200,
    height: 820,
    minWidth: 720,
    minHeight: 520,
    show: false,
    title: 'Swarmdrop',
    webPreferences: {
      preload,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true
    }
  }
}

/** Is this a page of ours? Anything else (a link in a file name, a redirect) must not load in the window. */
export function isAppUrl (url: string): boolean {
  try {
    const u = new URL(url)
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST
  } catch {
    return false
  }
}

/** Navigation inside the window: only between our own pages. */
export function allowNavigation (url: string): boolean {
  return isAppUrl(url)
}

/** New windows are never opened; http(s) links go to the system browser instead. */
export function externalUrl (url: string): string | null {
  try {
    const u = new URL(url)
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : null
  } catch {
    return null
  }
}

/** The part of an IPC event the sender check reads (Electron's IpcMainInvokeEvent has more). */
export interface SenderInfo {
  senderFrame: { url: string, parent: unknown } | null
  sender: { id: number }
}

/**
 * An IPC call is trusted only from the top frame of our own window showing
 * our own page: not from a subframe, not from another webContents, not after
 * a navigation away.
 */
export function isTrustedSender (event: SenderInfo, windowContentsId: number | null): boolean {
  if (windowContentsId == null || event.sender.id !== windowContentsId) return false
  const frame = event.senderFrame
  if (frame == null || frame.parent != null) return false
  return isAppUrl(frame.url)
}

/** A path inside the built renderer for an app:// URL; null for anything that climbs out. */
export function assetPath (url: string): string | null {
  if (!isAppUrl(url)) return null
  const path = decodeURIComponent(new URL(url).pathname)
  if (path.split('/').some(s => s === '..') || path.includes('\\') || path.includes('\0')) return null
  return path === '/' || path === '' ? 'index.html' : path.replace(/^\/+/, '')
}

/** `swarmdrop://…` links passed on the command line (Windows, Linux) by the OS. */
export function deepLinkFromArgv (argv: readonly string[]): string | null {
  return argv.find(a => a.startsWith('swarmdrop://') || a.startsWith('swarmdrop:')) ?? null
}

/**
 * Commands the page may not call by name: sharing takes paths, and a page
 * (an injected script, say) must not name a path to share. Paths reach main
 * only on SHARE_DROPPED_CHANNEL, from the preload, which reads them with
 * webUtils from File objects of a real drop or file picker.
 */
export const PAGE_FORBIDDEN_COMMANDS: ReadonlySet<string> = new Set(['addShares'])

/** The preload's channel for dropped or picked files' paths (webUtils). */
export const SHARE_DROPPED_CHANNEL = 'swarmdrop:share-dropped'

/** May the page call this command through its generic channel? */
export function pageMayCall (command: string): boolean {
  return !PAGE_FORBIDDEN_COMMANDS.has(command)
}
