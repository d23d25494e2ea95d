import { LOOPBACK, run, type CliProcess } from './cli.js'

export interface Daemon {
  proc: CliProcess
  url: string
  origin: string
  token: string
  peerId: string
  addrs: string[]
}

/**
 * A real `swarmdrop daemon` process on loopback, with its own data and
 * download folders. A fresh UI port each time, unless `keptUiPort`: then the
 * daemon picks its own default (the last run's port and token).
 */
export async function startDaemon (dataDir: string, outDir: string, extra: string[] = [], opts: { keptUiPort?: boolean } = {}): Promise<Daemon> {
  const proc = run(['daemon', '--data', dataDir, '--out', outDir, '--listen', LOOPBACK, ...(opts.keptUiPort === true ? [] : ['--ui-port', '0']), '--json', ...extra])
  const ready = await proc.waitForEvent('ready', () => true, 60_000)
  const url = new URL(ready.url)
  return { proc, url: url.toString(), origin: url.origin, token: url.searchParams.get('token')!, peerId: ready.peerId, addrs: ready.addrs }
}
