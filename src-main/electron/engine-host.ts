/**
 * The engine's process inside Electron: a utilityProcess started by main, so
 * a busy or crashed engine never freezes the window. It runs the same app
 * (engine + router) as `swarmdrop daemon` and speaks the API frames over
 * Electron's parentPort. No Electron import: parentPort is reached through
 * `process`, which the utility process extends.
 */
import type { ClientFrame, ServerFrame } from '../../shared/api.js'
import { startApp } from '../api/index.js'

interface ParentPort {
  postMessage: (message: unknown) => void
  on: (event: 'message', listener: (e: { data: unknown }) => void) => void
}

type HostMessage = { type: 'start', dataDir: string, version: string } | ClientFrame | { type: 'stop' }
type OpenRequest = { type: 'open', how: 'open' | 'reveal', path: string }

const port = (process as unknown as { parentPort?: ParentPort }).parentPort
if (port == null) throw new Error('engine-host runs inside an Electron utilityProcess')

let app: Awaited<ReturnType<typeof startApp>> | null = null
const queued: ClientFrame[] = []

const post = (frame: ServerFrame | OpenRequest | { type: 'ready', peerId: string } | { type: 'failed', message: string }): void => { port.postMessage(frame) }

port.on('message', e => {
  const msg = e.data as HostMessage
  if (msg.type === 'start') {
    void startApp({
      dataDir: msg.dataDir,
      shell: 'electron',
      version: msg.version,
      opener: {
        open: async path => { post({ type: 'open', how: 'open', path }) },
        reveal: async path => { post({ type: 'open', how: 'reveal', path }) }
      }
    }).then(started => {
      app = started
      started.router.subscribe((name, payload) => { post({ type: 'event', name, payload }) })
      post({ type: 'ready', peerId: started.engine.peerId })
      for (const f of queued.splice(0)) void answer(f)
    }, (err: unknown) => { post({ type: 'failed', message: (err as Error).message }) })
  } else if (msg.type === 'call') {
    if (app == null) queued.push(msg)
    else void answer(msg)
  } else if (msg.type === 'stop') {
    void (app?.stop() ?? Promise.resolve()).finally(() => process.exit(0))
  }
})

async function answer (frame: ClientFrame): Promise<void> {
  const result = await app!.router.handle(frame.command, frame.request)
  post({ type: 'result', id: frame.id, result })
}
