import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { InternalError } from '../../../shared/errors.js'
import { log } from '../base/log.js'
import { writeFileAtomic } from '../base/atomic-file.js'

const logger = log('listen-port')

/** Every IPv4 interface; the port is chosen once per data folder and kept (see resolveListen). */
export const DEFAULT_LISTEN: readonly string[] = ['/ip4/0.0.0.0/tcp/0']

export const LISTEN_PORT_FILE = 'listen-port.json'

/**
 * A first port is drawn from here: below every common ephemeral range (Linux
 * 32768–60999, Windows and macOS 49152–65535), so while we are stopped an
 * outgoing connection of some other program cannot be sitting on it; above the
 * low ports where well-known services live.
 */
export const PICK_RANGE = { min: 10_000, max: 32_767 }
/** Random draws before asking the OS for any free port; a busy machine rarely needs more than one. */
const PICK_TRIES = 20

export interface PortChange { old: number, new: number }

export interface ListenPlan {
  /** The addresses to hand libp2p. */
  listen: string[]
  /** The kept port was taken at start: another was chosen, and is kept from now on. */
  changed?: PortChange
}

export interface ListenOptions {
  dataDir: string
  /** What the user asked for (`--listen`, a config file), used as given; absent means the defaults with the kept port. */
  configured?: readonly string[]
  /** The default addresses; each `/tcp/0` among them gets the kept port. */
  defaults?: readonly string[]
  random?: () => number
}

/**
 * Turns the configured listen list into the concrete one. Only the defaults
 * get the kept port, as BitTorrent clients keep theirs, so links and the
 * addresses peers remembered survive a restart; an explicit list (even with
 * `/tcp/0`) is the user's choice and is not touched.
 *
 * The port is probed with a plain socket before libp2p binds it: libp2p would
 * only fail on a taken port, not pick another. The probe closes before libp2p
 * listens, so another program could take the port in between; that window is
 * a few milliseconds inside one start, and losing it fails that start loudly
 * (EADDRINUSE), after which the next start picks a new port.
 */
export async function resolveListen (opts: ListenOptions): Promise<ListenPlan> {
  if (opts.configured != null) return { listen: [...opts.configured] }
  const template = [...(opts.defaults ?? DEFAULT_LISTEN)]
  const hosts = template.map(randomPortHost).filter((h): h is ProbeHost => h != null)
  if (hosts.length === 0) return { listen: template }
  const file = join(opts.dataDir, LISTEN_PORT_FILE)
  const kept = await readKeptPort(file)
  if (kept != null && await freeOnAll(hosts, kept)) return { listen: withPort(template, kept) }
  const port = await pickPort(hosts, opts.random ?? Math.random)
  await writeFileAtomic(file, `${JSON.stringify({ port })}\n`)
  if (kept == null) {
    logger('chose listen port %d, kept in %s', port, file)
    return { listen: withPort(template, port) }
  }
  logger('listen port %d is taken; listening on %d from now on', kept, port)
  return { listen: withPort(template, port), changed: { old: kept, new: port } }
}

interface ProbeHost { host: string, ipv6: boolean }

const TCP_ZERO = /^\/(ip4|ip6)\/([^/]+)\/tcp\/0(?=\/|$)/

function randomPortHost (addr: string): ProbeHost | null {
  const m = TCP_ZERO.exec(addr)
  return m == null ? null : { host: m[2]!, ipv6: m[1] === 'ip6' }
}

function withPort (template: string[], port: number): string[] {
  return template.map(a => a.replace(TCP_ZERO, (_all, family: string, host: string) => `/${family}/${host}/tcp/${port}`))
}

async function readKeptPort (file: string): Promise<number | null> {
  // A missing, damaged or hand-mangled file just means choosing again.
  const raw: unknown = await readFile(file, 'utf8').then(t => JSON.parse(t) as unknown).catch(() => null)
  const port = (raw as { port?: unknown } | null)?.port
  return typeof port === 'number' && Number.isInteger(port) && port > 0 && port <= 65535 ? port : null
}

async function pickPort (hosts: ProbeHost[], random: () => number): Promise<number> {
  for (let i = 0; i < PICK_TRIES; i++) {
    const port = PICK_RANGE.min + Math.floor(random() * (PICK_RANGE.max - PICK_RANGE.min + 1))
    if (await freeOnAll(hosts, port)) return port
  }
  for (let i = 0; i < PICK_TRIES; i++) {
    const port = await probe(hosts[0]!, 0)
    if (port != null && await freeOnAll(hosts, port)) return port
  }
  throw new InternalError(`found no TCP port free on ${hosts.map(h => h.host).join(', ')}`)
}

async function freeOnAll (hosts: ProbeHost[], port: number): Promise<boolean> {
  for (const h of hosts) if (await probe(h, port) == null) return false
  return true
}

/** Binds and releases `port` the way libp2p's TCP listener will bind it; the bound port, or null if it is taken. */
async function probe (h: ProbeHost, port: number): Promise<number | null> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(null)
      else reject(new InternalError(`cannot listen on ${h.host} port ${port}: ${err.message}`, err))
    })
    server.listen({ host: h.host, port, ipv6Only: h.ipv6 }, () => {
      const bound = (server.address() as { port: number }).port
      server.close(() => { resolve(bound) })
    })
  })
}
