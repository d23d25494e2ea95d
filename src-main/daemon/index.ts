import { startApp, type AppOptions, type PortChange, type StateFiles } from '../api/index.js'
import { uiRoot } from '../app-root.js'
import { DaemonServer } from './server.js'
import { desktopOpener } from './opener.js'
import { uiSessionFile } from './ui-session.js'

export interface DaemonOptions extends Omit<AppOptions, 'shell' | 'opener'> {
  uiHost?: string
  /** Unset: the port of the last run (its address still works), else a free one; 0: a new free one. */
  uiPort?: number
  uiRoot?: string
}

export interface RunningDaemon {
  url: string
  peerId: string
  addrs: string[]
  /** The kept listen port was taken at start and another one was chosen. */
  portChanged?: PortChange
  /** The data folder's state files (to hear of a damaged one). */
  state: StateFiles
  stop: () => Promise<void>
}

/** `swarmdrop daemon`: the engine, the API and the web UI in one headless process. */
export async function runDaemon (opts: DaemonOptions): Promise<RunningDaemon> {
  const app = await startApp({ ...opts, shell: 'daemon', opener: desktopOpener() })
  const session = uiSessionFile(app.engine.state)
  // A damaged one is moved aside and reported like every state file: a new address is made.
  const kept = await session.load()
  const make = (port: number): DaemonServer => new DaemonServer({ router: app.router, uploads: app.uploads, uiRoot: opts.uiRoot ?? uiRoot(), host: opts.uiHost ?? '127.0.0.1', port, token: kept?.token })
  try {
    let server = make(opts.uiPort ?? kept?.port ?? 0)
    const { url, port } = await server.listen().catch(async (err: unknown) => {
      // The kept port was taken meanwhile: a new one, rather than no UI at all (an explicit --ui-port still fails loudly).
      if (opts.uiPort != null || kept == null || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err
      server = make(0)
      return await server.listen()
    })
    await session.save({ port, token: server.token })
    return {
      url,
      peerId: app.engine.peerId,
      addrs: app.engine.addrs(),
      portChanged: app.engine.portChanged,
      state: app.engine.state,
      stop: async () => { await server.close(); await app.stop() }
    }
  } catch (err) {
    await app.stop()
    throw err
  }
}
