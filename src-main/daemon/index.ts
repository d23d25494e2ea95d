import { startApp, type AppOptions, type PortChange } from '../api/index.js'
import { uiRoot } from '../app-root.js'
import { DaemonServer } from './server.js'
import { desktopOpener } from './opener.js'

export interface DaemonOptions extends Omit<AppOptions, 'shell' | 'opener'> {
  uiHost?: string
  uiPort?: number
  uiRoot?: string
}

export interface RunningDaemon {
  url: string
  peerId: string
  addrs: string[]
  /** The kept listen port was taken at start and another one was chosen. */
  portChanged?: PortChange
  stop: () => Promise<void>
}

/** `swarmdrop daemon`: the engine, the API and the web UI in one headless process. */
export async function runDaemon (opts: DaemonOptions): Promise<RunningDaemon> {
  const app = await startApp({ ...opts, shell: 'daemon', opener: desktopOpener() })
  const server = new DaemonServer({ router: app.router, uploads: app.uploads, uiRoot: opts.uiRoot ?? uiRoot(), host: opts.uiHost ?? '127.0.0.1', port: opts.uiPort ?? 0 })
  try {
    const { url } = await server.listen()
    return {
      url,
      peerId: app.engine.peerId,
      addrs: app.engine.addrs(),
      portChanged: app.engine.portChanged,
      stop: async () => { await server.close(); await app.stop() }
    }
  } catch (err) {
    await app.stop()
    throw err
  }
}
