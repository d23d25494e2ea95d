import { COMMAND_NAMES, type ClientFrame, type CommandName, type DroppedFile, type EventName, type Events, type Result, type ServerFrame, type ShareInfo, type SwarmdropApi, type SwarmdropBridge } from '../../shared/api.js'
import { ApiError, ErrorCodes } from '../../shared/errors.js'

const TOKEN_KEY = 'swarmdrop-token'
/** The UI's own code for "the bridge is down" (see state/ui-error.ts). */
const UI_OFFLINE = 'OFFLINE'

/** Reconnect after a dropped connection: quickly at first, then every few seconds. */
const RECONNECT_MS = [250, 500, 1000, 2000, 4000]

type Listener = (payload: unknown) => void

/** What the page knows of its link to the daemon; `unauthorized`: its token is missing or wrong, so retrying cannot help. */
export type Connection = 'up' | 'down' | 'unauthorized'

/**
 * The browser's bridge to `swarmdrop daemon`: the same named functions the
 * Electron preload exposes, carried over the API WebSocket. The token comes
 * from the URL the daemon printed and is then moved out of the address bar
 * into the tab's session storage, so a reload keeps working.
 */
export function createWsBridge (loc: Location = window.location, onConnection?: (state: Connection) => void): SwarmdropBridge {
  const params = new URLSearchParams(loc.search)
  const fromUrl = params.get('token')
  if (fromUrl != null) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl)
    params.delete('token')
    const rest = params.toString()
    history.replaceState(null, '', loc.pathname + (rest === '' ? '' : `?${rest}`) + loc.hash)
  }
  const token = fromUrl ?? sessionStorage.getItem(TOKEN_KEY) ?? ''
  const listeners = new Map<EventName, Set<Listener>>()
  const pending = new Map<number, { resolve: (v: unknown) => void, reject: (e: Error) => void }>()
  // Calls made before the first connection wait for it (the page's first load); after a loss they fail at once, saying so.
  const queue: Array<{ id: number, text: string, resolve: (v: unknown) => void, reject: (e: Error) => void }> = []
  let opened = false
  let nextId = 1
  let ws: WebSocket | null = null
  let attempt = 0

  const connect = (): void => {
    const socket = new WebSocket(`${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/api?token=${encodeURIComponent(token)}`)
    ws = socket
    let thisOpened = false
    socket.onopen = () => {
      attempt = 0
      opened = true
      thisOpened = true
      onConnection?.('up')
      for (const q of queue.splice(0)) { pending.set(q.id, q); socket.send(q.text) }
    }
    socket.onmessage = ev => {
      const frame = JSON.parse(String(ev.data)) as ServerFrame
      if (frame.type === 'result') {
        const p = pending.get(frame.id)
        if (p == null) return
        pending.delete(frame.id)
        const r = frame.result
        if (r.ok) p.resolve(r.value)
        else p.reject(new ApiError(r.error.code, r.error.message))
      } else {
        for (const l of listeners.get(frame.name) ?? []) l(frame.payload)
      }
    }
    socket.onclose = () => {
      for (const p of pending.values()) p.reject(new ApiError(UI_OFFLINE, 'lost the connection to Swarmdrop'))
      pending.clear()
      void (async () => {
        // A refused upgrade looks like any other close; the session check tells a wrong token from a daemon that is down.
        if (!thisOpened && await tokenRefused(token)) {
          for (const q of queue.splice(0)) q.reject(new ApiError(UI_OFFLINE, 'not signed in'))
          onConnection?.('unauthorized')
          return
        }
        onConnection?.('down')
        setTimeout(connect, RECONNECT_MS[Math.min(attempt++, RECONNECT_MS.length - 1)])
      })()
    }
  }
  if (token === '') setTimeout(() => { onConnection?.('unauthorized') }, 0)
  else connect()

  const call = async (command: CommandName, request: unknown): Promise<unknown> => {
    const id = nextId++
    const frame: ClientFrame = { type: 'call', id, command, request }
    const text = JSON.stringify(frame)
    return await new Promise((resolve, reject) => {
      if (ws?.readyState === WebSocket.OPEN) { pending.set(id, { resolve, reject }); ws.send(text); return }
      if (opened || token === '') { reject(new ApiError(UI_OFFLINE, 'not connected to Swarmdrop')); return }
      queue.push({ id, text, resolve, reject })
    })
  }

  const api = Object.fromEntries(COMMAND_NAMES.map(name => [name, async (request: unknown) => await call(name, request ?? {})])) as unknown as SwarmdropApi

  const upload = async (job: string, f: DroppedFile, onBytes: (n: number) => void, signal?: AbortSignal): Promise<string> => {
    return await new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest()
      if (signal?.aborted === true) { reject(new ApiError(ErrorCodes.ABORTED, 'the upload was cancelled')); return }
      signal?.addEventListener('abort', () => { xhr.abort() }, { once: true })
      xhr.onabort = () => { reject(new ApiError(ErrorCodes.ABORTED, 'the upload was cancelled')) }
      xhr.open('POST', `/upload?job=${job}&path=${encodeURIComponent(f.relativePath)}`)
      xhr.setRequestHeader('x-swarmdrop-token', token)
      let last = 0
      xhr.upload.onprogress = e => { onBytes(e.loaded - last); last = e.loaded }
      xhr.onload = () => {
        const body = JSON.parse(xhr.responseText || '{}') as Result<{ root: string }>
        if (body.ok) { onBytes(f.file.size - last); resolve(body.value.root) } else reject(new ApiError(body.error?.code ?? ErrorCodes.INTERNAL, body.error?.message ?? `upload failed (${xhr.status})`))
      }
      xhr.onerror = () => { reject(new ApiError(ErrorCodes.ABORTED, 'the upload was interrupted')) }
      xhr.send(f.file)
    })
  }

  return {
    ...api,
    shell: 'browser',
    on: <E extends EventName>(name: E, listener: (payload: Events[E]) => void) => {
      let set = listeners.get(name)
      if (set == null) { set = new Set(); listeners.set(name, set) }
      set.add(listener as Listener)
      return () => { set.delete(listener as Listener) }
    },
    shareFiles: async (files: DroppedFile[], onProgress?: (sent: number, total: number) => void, signal?: AbortSignal): Promise<ShareInfo> => {
      const job = Array.from(crypto.getRandomValues(new Uint8Array(16)), b => b.toString(16).padStart(2, '0')).join('')
      const total = files.reduce((n, f) => n + f.file.size, 0)
      let sent = 0
      const roots = new Set<string>()
      for (const f of files) {
        roots.add(await upload(job, f, n => { sent += n; onProgress?.(sent, total) }, signal))
      }
      return await api.addShares({ paths: [...roots] })
    }
  }
}

/** Does the daemon refuse this token? False when it cannot be asked (it is down): then we keep retrying. */
async function tokenRefused (token: string): Promise<boolean> {
  try {
    const res = await fetch('/session', { headers: { 'x-swarmdrop-token': token }, cache: 'no-store' })
    return res.status === 401
  } catch {
    return false
  }
}
