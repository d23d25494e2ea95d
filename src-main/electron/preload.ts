/**
 * The renderer's only door to the app: named functions, one per command,
 * on `window.swarmdrop` — never a generic `invoke(channel)`, never Electron's
 * event object (STYLE.md §6). Bundled to CommonJS by scripts/build-preload.js,
 * because a sandboxed preload can require nothing but Electron's own modules.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron'
import { COMMAND_NAMES, EVENT_NAMES, IPC_CHANNEL_PREFIX, IPC_CONNECTION_CHANNEL, IPC_EVENT_CHANNEL } from '../../shared/api-names.js'
import { ApiError, ErrorCodes } from '../../shared/errors.js'
import { pageMayCall, SHARE_DROPPED_CHANNEL } from './security.js'

type Listener = (payload: unknown) => void
const listeners = new Map<string, Set<Listener>>()
const EVENTS = new Set<string>(EVENT_NAMES)

ipcRenderer.on(IPC_EVENT_CHANNEL, (_event, name: string, payload: unknown) => {
  for (const l of listeners.get(name) ?? []) l(payload)
})
const connection = new Set<(state: 'up' | 'down') => void>()
ipcRenderer.on(IPC_CONNECTION_CHANNEL, (_event, state: unknown) => {
  if (state !== 'up' && state !== 'down') return
  for (const l of connection) l(state)
})

interface Result { ok: boolean, value?: unknown, error?: { code: string, message: string } }

/** One round trip to main: its Result unwrapped, a failure thrown as an ApiError with its code. */
const invoke = async (channel: string, request: unknown): Promise<unknown> => {
  const r = await ipcRenderer.invoke(channel, request) as Result
  if (r.ok) return r.value
  throw new ApiError(r.error?.code ?? ErrorCodes.INTERNAL, r.error?.message ?? 'failed')
}
const call = async (command: string, request: unknown): Promise<unknown> => await invoke(IPC_CHANNEL_PREFIX + command, request ?? {})

const api: Record<string, unknown> = {}
// addShares is left out: the page never names a path (main refuses it on the generic channel too).
for (const name of COMMAND_NAMES) if (pageMayCall(name)) api[name] = async (request: unknown) => await call(name, request)

contextBridge.exposeInMainWorld('swarmdrop', {
  ...api,
  shell: 'electron',
  on: (name: string, listener: Listener) => {
    if (!EVENTS.has(name) || typeof listener !== 'function') throw new Error(`unknown event ${String(name)}`)
    let set = listeners.get(name)
    if (set == null) { set = new Set(); listeners.set(name, set) }
    set.add(listener)
    return () => { set.delete(listener) }
  },
  onConnection: (listener: (state: 'up' | 'down') => void) => {
    if (typeof listener !== 'function') throw new Error('a listener must be a function')
    connection.add(listener)
    return () => { connection.delete(listener) }
  },
  // Dropped files and folders are shared where they are: their real paths come from webUtils, not from the page.
  shareFiles: async (files: Array<{ file: File }>) => {
    // A File the page made itself has no path (''), so it shares nothing.
    const paths = files.map(f => webUtils.getPathForFile(f.file)).filter(p => p !== '')
    return await invoke(SHARE_DROPPED_CHANNEL, paths)
  }
})
