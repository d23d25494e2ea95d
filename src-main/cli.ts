import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { readFile, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { BanList, Engine, shortPeer, stallMessage, type Encrypter, type PortChange } from './api/index.js'
import { ErrorCodes, isSwarmdropError } from '../shared/errors.js'
import { parseLink, parsePeerId } from '../shared/link.js'
import { parseRate, parseSize } from '../shared/rate.js'
import type { DoneEvent, ProgressEvent, SharingEvent, StalledEvent, WaitingEvent } from '../shared/transfer.js'
import { defaultDataDir } from './cli/data-dir.js'
import { runDaemon } from './daemon/index.js'
import { hubServerConfig, readHubFile } from './hub/config.js'
import { formatBytes, Output, printable } from './cli/output.js'

interface GlobalOpts {
  data: string
  listen: string[]
  bootstrap: string[]
  json: boolean
  mdns: boolean
  publicDht: boolean
  upLimit?: string
  downLimit?: string
  leechOnly?: boolean
  encryption: string
  hub?: string
}

function parsePositive (v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('a whole number above 0')
  return n
}

function parsePort (v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port number from 0 to 65535')
  return n
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

function withGlobals (cmd: Command): Command {
  return cmd
    .option('--data <dir>', 'data folder: identity, state, shares', defaultDataDir())
    .option('--listen <multiaddr>', 'address to listen on (repeatable; default: every interface, on a port kept in the data folder)', collect, [])
    .option('--bootstrap <multiaddr>', 'bootstrap peer (repeatable)', collect, [])
    .option('--json', 'one JSON object a line on stdout', false)
    .option('--no-mdns', 'do not look for peers on the local network')
    .option('--public-dht', 'also use the public IPFS DHT to find content across the internet', false)
    .option('--hub <multiaddr>', 'a hub to fall back on: its tracker, its relay and its store')
    .addOption(new Option('--encryption <list>', 'connection encrypters in order of preference').choices(['tls,noise', 'noise,tls', 'tls', 'noise']).default('tls,noise').hideHelp())
}

/** Resolves when the user asks the process to stop. */
function untilSignal (): Promise<NodeJS.Signals> {
  return new Promise(resolve => {
    process.once('SIGINT', () => { resolve('SIGINT') })
    process.once('SIGTERM', () => { resolve('SIGTERM') })
  })
}

/** Says when the kept listen port was taken: links and addresses handed out before name the old one. */
function notePortChange (change: PortChange | undefined, out: Output): void {
  if (change == null) return
  out.notice({ event: 'port-changed', old: change.old, new: change.new }, `listen port ${change.old} is taken by another program; listening on ${change.new} from now on (links shared before name the old port)`)
}

async function startEngine (g: GlobalOpts, out: Output): Promise<Engine> {
  const engine = await Engine.create({
    dataDir: resolve(g.data),
    // No --listen: the engine's default, on the port kept in the data folder.
    listen: g.listen.length > 0 ? g.listen : undefined,
    bootstrap: g.bootstrap,
    mdns: g.mdns,
    publicDht: g.publicDht,
    upLimit: g.upLimit != null ? parseRate(g.upLimit) : 0,
    downLimit: g.downLimit != null ? parseRate(g.downLimit) : 0,
    leechOnly: g.leechOnly === true,
    encrypters: g.encryption.split(',') as Encrypter[],
    hub: g.hub
  })
  notePortChange(engine.portChanged, out)
  return engine
}

/** Prints the swarm's pub/sub feed as it arrives (JSON lines, or one readable line each). */
function printFeed (engine: Engine, out: Output): void {
  engine.onFeed(item => {
    const m = item.message
    const text = m.type === 'share'
      ? `${item.from.slice(-8)} shares "${printable(m.name)}" (${formatBytes(m.size)})`
      : m.type === 'presence'
        ? `${item.from.slice(-8)} joined${m.seeding ? ' as a seeder' : ` (${m.have}/${m.total} pieces)`}`
        : `${item.from.slice(-8)} at ${m.total === 0 ? 100 : Math.floor(m.bytes * 100 / m.total)}%`
    out.event({ event: 'feed', cid: item.cid, from: item.from, ...m }, `[swarm] ${text}`)
  })
}

/** Says when a share this process seeds is taken out of service because its file changed on disk. */
function printChanged (engine: Engine, out: Output): void {
  engine.onShareChanged(share => {
    const c = share.changed!
    out.event({ event: 'changed', cid: share.cid, file: c.file, kind: c.kind, reason: c.reason },
      `"${printable(share.manifest.name)}" is no longer shared: ${printable(c.file)} changed on disk (${c.reason}). Share it again to serve what is there now.`)
  })
}

async function cmdId (g: GlobalOpts, out: Output): Promise<void> {
  const engine = await Engine.create({ dataDir: resolve(g.data), listen: [], mdns: false })
  out.event({ peerId: engine.peerId }, engine.peerId)
  await engine.stop()
}

async function cmdShare (paths: string[], g: GlobalOpts, out: Output, push: string | true | undefined, access: { allow: string[], secret: boolean }): Promise<number> {
  const engine = await startEngine(g, out)
  const stopped = untilSignal()
  const abort = new AbortController()
  void stopped.then(() => { abort.abort() })
  try {
    let last = 0
    const result = await engine.share(paths, {
      ...access,
      signal: abort.signal,
      onProgress: p => {
        const now = Date.now()
        if (now - last < 250 && p.bytes < p.total) return
        last = now
        out.progress({ event: 'hashing', bytes: p.bytes, total: p.total }, 'hashing', p.bytes, p.total)
      }
    })
    out.stopBar()
    for (const s of result.skipped) out.event({ event: 'skipped', path: s.absPath, reason: s.reason }, `skipped ${s.absPath}: ${s.reason}`)
    const m = result.share.manifest
    const size = m.files.reduce((n, f) => n + f.size, 0)
    const ev: SharingEvent = {
      event: 'sharing',
      cid: result.share.cid,
      link: result.link,
      peerId: engine.peerId,
      addrs: engine.addrs(),
      name: m.name,
      size,
      files: m.files.length,
      hashedBytes: result.hashedBytes,
      reusedBytes: result.reusedBytes,
      private: access.secret ? 'secret' : access.allow.length > 0 ? 'allow-list' : false
    }
    printFeed(engine, out)
    printChanged(engine, out)
    if (push != null) {
      out.event({ event: 'pushing', cid: ev.cid }, 'Pushing a copy to the hub…')
      const bytes = await engine.push(ev.cid, push === true ? undefined : push, abort.signal)
      out.event({ event: 'pushed', cid: ev.cid, bytes }, `The hub keeps a copy (${formatBytes(bytes)}): the link works while you are offline.`)
    }
    out.event({ ...ev }, `Sharing "${printable(m.name)}" (${formatBytes(size)}, ${m.files.length} file${m.files.length === 1 ? '' : 's'})\n\n  ${result.link}\n\n${access.secret ? 'Private: only holders of this link can download it, and it is not announced.' : access.allow.length > 0 ? `Private: only ${access.allow.length} listed peer(s) can download it, and it is not announced.` : 'Anyone with this link can download it.'} Press Ctrl+C to stop sharing.`)
    await stopped
    return 0
  } catch (err) {
    if (abort.signal.aborted) {
      out.error('stopped while hashing; nothing is shared')
      return 130
    }
    throw err
  } finally {
    await engine.stop()
  }
}

interface GetOpts { out: string, peer: string[], seed: boolean, progressInterval: number, stallTimeout: number }

async function cmdGet (target: string, o: GetOpts, g: GlobalOpts, out: Output): Promise<number> {
  const engine = await startEngine(g, out)
  const abort = new AbortController()
  let interrupted = false
  const stopped = untilSignal()
  void stopped.then(() => { interrupted = true; abort.abort() })
  printFeed(engine, out)
  try {
    const cid = parseLink(target).cid
    const outcome = await engine.get(target, {
      outDir: resolve(o.out),
      peers: o.peer,
      signal: abort.signal,
      progressIntervalMs: o.progressInterval,
      onPhase: (phase, detail) => {
        if (phase === 'checking' && detail != null && detail.bytes > 0) out.progress({ event: 'checking', bytes: detail.bytes, total: detail.total }, 'checking', detail.bytes, detail.total)
      },
      stallTimeoutMs: o.stallTimeout * 1000,
      onDiscovered: (via, peers) => { out.event({ event: 'peers', via, peers }, `found ${peers.length} peer${peers.length === 1 ? '' : 's'} (${via})`) },
      onWaiting: w => {
        if (w == null) return
        const ev: WaitingEvent = { event: 'waiting', cid, ...w }
        const last = w.lastSeen == null ? 'nobody sharing this has answered yet' : `last seen ${shortPeer(w.lastSeen.peerId)}, ${formatAgo(Date.now() - w.lastSeen.at)} ago`
        out.event({ ...ev }, `waiting for peers — ${last}; still looking${o.stallTimeout > 0 ? ` (gives up after ${o.stallTimeout} s without progress)` : ''}`)
      },
      onStalled: st => {
        if (st == null) return
        const ev: StalledEvent = { event: 'stalled', cid, ...st }
        out.event({ ...ev }, `${stallMessage(st)}; still looking for another source`)
      },
      onProgress: p => {
        const ev: ProgressEvent = { event: 'progress', cid, bytes: p.bytes, total: p.total, speed: p.speed, peers: p.peers }
        out.progress({ ...ev }, 'downloading', p.bytes, p.total, p.speed)
      }
    })
    out.stopBar()
    const done: DoneEvent = { event: 'done', cid: outcome.cid, path: outcome.path, bytes: outcome.bytes, sources: outcome.sources, paths: outcome.paths, banned: outcome.banned }
    const from = Object.entries(outcome.sources).map(([id, s]) => `  ${formatBytes(s.bytes)} from ${id} (${s.path === 'relay' ? 'relayed through the hub' : s.path === 'hub' ? "the hub's store" : 'direct'})`).join('\n')
    out.event({ ...done }, `Downloaded "${printable(outcome.manifest.name)}" (${formatBytes(outcome.bytes)}) to ${printable(outcome.path)}${from === '' ? '' : `\n${from}`}${outcome.banned.length > 0 ? `\n  banned for bad data: ${outcome.banned.join(', ')}` : ''}`)
    if (o.seed) {
      const mtimes = await Promise.all(outcome.files.map(async f => (await stat(f)).mtimeMs))
      printChanged(engine, out)
      const share = await engine.seed(outcome, mtimes)
      out.event({ event: 'sharing', cid: share.cid, link: engine.linkFor(share), peerId: engine.peerId, addrs: engine.addrs() }, `Seeding. Press Ctrl+C to stop.\n\n  ${engine.linkFor(share)}`)
      await stopped
    }
    return 0
  } catch (err) {
    if (interrupted) {
      out.error('stopped; run the same command again to resume')
      return 130
    }
    throw err
  } finally {
    await engine.stop()
  }
}

function formatAgo (ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000))
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`
}

function parseSeconds (v: string): number {
  const n = Number(v)
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number of seconds (0 for no limit)')
  return n
}

async function cmdBans (o: GlobalOpts & { unban?: string }, out: Output): Promise<void> {
  // Bans live in the data folder: reading them needs no network.
  const bans = new BanList(resolve(o.data))
  await bans.load()
  if (o.unban != null) {
    const id = parsePeerId(o.unban)
    const was = bans.isBanned(id)
    await bans.unban(id)
    out.event({ event: 'unbanned', peerId: id, wasBanned: was }, was ? `${id} is no longer banned.` : `${id} was not banned.`)
    return
  }
  const list = bans.list()
  if (!out.json) process.stdout.write(list.length === 0 ? 'No peer is banned.\n' : `${list.length} banned peer${list.length === 1 ? '' : 's'}:\n`)
  for (const b of list) out.event({ event: 'ban', peerId: b.peerId, until: b.until, reason: b.reason }, `  ${b.peerId}  until ${new Date(b.until).toISOString()}  (${printable(b.reason)})`)
}

async function cmdBrowse (peer: string, g: GlobalOpts, out: Output): Promise<void> {
  const engine = await startEngine(g, out)
  try {
    const { peerId, entries } = await engine.browse(peer)
    if (!out.json) process.stdout.write(entries.length === 0 ? `${peerId} shares nothing right now.\n` : `${peerId} shares:\n`)
    for (const e of entries) {
      out.event({ event: 'share', peerId, cid: e.cid, name: e.name, size: e.size, files: e.files }, `  ${printable(e.name)}  (${formatBytes(e.size)}, ${e.files} file${e.files === 1 ? '' : 's'})\n    swarmdrop://${e.cid}?peer=${peerId}`)
    }
  } finally {
    await engine.stop()
  }
}

interface HubOpts { config?: string, relayConnectionBytes?: string, relayConnectionSeconds?: number, relayReservations?: number, relayPeerBytesPerHour?: string, relayTotalBytesPerHour?: string, storeAllow: string[], storePeerQuota?: string, storeTotalQuota?: string, dht: boolean }

async function cmdHub (o: HubOpts, g: GlobalOpts, out: Output): Promise<void> {
  const file = await readHubFile(o.config)
  const size = (v: string | undefined): number | undefined => v == null ? undefined : parseSize(v)
  const hubServer = hubServerConfig(file, {
    relayConnectionBytes: size(o.relayConnectionBytes),
    relayConnectionSeconds: o.relayConnectionSeconds,
    relayReservations: o.relayReservations,
    relayPeerBytesPerHour: size(o.relayPeerBytesPerHour),
    relayTotalBytesPerHour: size(o.relayTotalBytesPerHour),
    storeAllow: o.storeAllow.length > 0 ? o.storeAllow : undefined,
    storePeerQuota: size(o.storePeerQuota),
    storeTotalQuota: size(o.storeTotalQuota),
    dht: o.dht === false ? false : undefined
  })
  const listen = g.listen.length > 0 ? g.listen : file.listen
  const engine = await Engine.create({ dataDir: resolve(g.data), listen, bootstrap: g.bootstrap, mdns: g.mdns, publicDht: g.publicDht, encrypters: g.encryption.split(',') as Encrypter[], hubServer })
  try {
    // One line per connection event: a hub's operator watches who comes and goes.
    engine.onConnection(e => {
      out.event({ event: 'connection', type: e.type, peerId: e.peerId, addr: e.addr, direction: e.direction, relayed: e.relayed }, `${e.type === 'open' ? '+' : '-'} ${e.peerId} ${e.direction} ${e.addr}${e.relayed ? ' (relayed)' : ''}`)
    })
    const r = hubServer.relay
    const store = hubServer.store
    out.event({ event: 'listening', peerId: engine.peerId, addrs: engine.addrs(), relay: r, store: store ?? null, dht: hubServer.dhtServer !== false },
      `Hub ${engine.peerId} listening on:\n${engine.addrs().map(a => `  ${a}`).join('\n')}\n\n` +
      `Bootstrap and DHT${hubServer.dhtServer === false ? ' (client only)' : ''}, tracker, relay (${formatBytes(r.connectionBytes)} or ${r.connectionMs / 1000} s per connection, ${r.maxReservations} slots, ${formatBytes(r.peerBytesPerHour)}/h per peer, ${formatBytes(r.totalBytesPerHour)}/h in all)` +
      `${store != null ? `, store for ${store.allow.length} peer(s) (${formatBytes(store.peerQuotaBytes)} each, ${formatBytes(store.totalQuotaBytes)} in all)` : ''}.\n` +
      'Others use it with --hub or --bootstrap <one of these addresses>. Ctrl+C or SIGTERM stops it.')
    // After `listening`: that is the line scripts wait for first.
    notePortChange(engine.portChanged, out)
    await untilSignal()
  } finally {
    await engine.stop()
  }
}

interface DaemonOpts { out?: string, uiPort: number, uiHost: string }

async function cmdDaemon (o: DaemonOpts, g: GlobalOpts, out: Output): Promise<void> {
  const version = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  const daemon = await runDaemon({
    dataDir: resolve(g.data),
    listen: g.listen,
    bootstrap: g.bootstrap,
    hub: g.hub,
    mdns: g.mdns,
    encrypters: g.encryption.split(',') as Encrypter[],
    downloadDir: o.out,
    uiHost: o.uiHost,
    uiPort: o.uiPort,
    version: version.version
  })
  try {
    out.event({ event: 'ready', url: daemon.url, peerId: daemon.peerId, addrs: daemon.addrs }, `Swarmdrop is running (peer ID ${daemon.peerId}).\nOpen the app in your browser:\n\n  ${daemon.url}\n\nThe link holds a secret token: do not share it. Ctrl+C stops Swarmdrop.`)
    notePortChange(daemon.portChanged, out)
    await untilSignal()
  } finally {
    await daemon.stop()
  }
}

export async function main (argv: string[]): Promise<number> {
  const program = new Command('swarmdrop')
    .description('Peer-to-peer file sharing: share files, download them from every peer that has them.')
    .exitOverride()
    .configureOutput({ writeErr: s => process.stderr.write(s) })
  let code = 0
  const out = (cmd: Command): Output => new Output(Boolean((cmd.opts() as GlobalOpts).json))

  withGlobals(program.command('id').description('print this node\'s peer ID (creating the identity if there is none)'))
    .action(async (_o, cmd: Command) => { await cmdId(cmd.opts() as GlobalOpts, out(cmd)) })

  withGlobals(program.command('share').description('hash files or folders and seed them until stopped'))
    .argument('<path...>', 'files or folders to share')
    .option('--allow <peerId>', 'only these peers may fetch it (repeatable); it is not announced', collect, [])
    .option('--secret', 'only holders of its link may fetch it: the link carries a secret; it is not announced', false)
    .option('--up-limit <rate>', 'upload limit, e.g. 500KB, 4MB, 1.5MiB (per second)')
    .option('--push [hub]', 'also keep a copy on a hub (the --hub one, or this multiaddr), so the link works while you are offline')
    .action(async (paths: string[], _o, cmd: Command) => {
      const opts = cmd.opts() as GlobalOpts & { push?: string | true, allow: string[], secret: boolean }
      code = await cmdShare(paths, opts, out(cmd), opts.push, { allow: opts.allow.map(parsePeerId), secret: opts.secret })
    })

  withGlobals(program.command('get').description('download a share by link or content ID'))
    .argument('<link-or-cid>', 'a swarmdrop:// link or a bare content ID')
    .requiredOption('--out <dir>', 'folder to download into')
    .option('--peer <multiaddr|peerId>', 'peer to download from (repeatable)', collect, [])
    .option('--seed', 'keep serving the files after the download', false)
    .option('--up-limit <rate>', 'upload limit, e.g. 500KB, 4MB (per second)')
    .option('--down-limit <rate>', 'download limit, e.g. 2MB (per second)')
    .addOption(new Option('--stall-timeout <seconds>', 'give up after this long with no verified progress and no new peer; 0 waits forever').argParser(parseSeconds).default(30))
    .addOption(new Option('--leech-only', 'client-server mode for benchmarks: only the given peers, serve nobody').default(false).hideHelp())
    .addOption(new Option('--progress-interval <ms>', 'milliseconds between progress events').argParser(v => Number.parseInt(v, 10)).default(250).hideHelp())
    .action(async (target: string, _o, cmd: Command) => {
      const opts = cmd.opts() as GlobalOpts & GetOpts
      code = await cmdGet(target, opts, opts, out(cmd))
    })

  withGlobals(program.command('bans').description('list peers banned for misbehaving (bad pieces, protocol violations), and peers with points against them'))
    .option('--unban <peerId>', 'lift the ban on this peer')
    .action(async (_o, cmd: Command) => { await cmdBans(cmd.opts() as GlobalOpts & { unban?: string }, out(cmd)) })

  withGlobals(program.command('browse').description('list what a peer shares (by peer ID, found through the DHT, or by multiaddr)'))
    .argument('<peer>', 'a peer ID or a multiaddr')
    .action(async (peer: string, _o, cmd: Command) => { await cmdBrowse(peer, cmd.opts() as GlobalOpts, out(cmd)) })

  withGlobals(program.command('hub').description('run a hub: bootstrap and DHT server, tracker, relay, and optionally a store'))
    .option('--config <file>', 'JSON file with the settings below (flags win)')
    .option('--relay-connection-bytes <size>', 'bytes one relayed connection may carry, e.g. 1GiB')
    .option('--relay-connection-seconds <n>', 'seconds one relayed connection may stay open', v => parsePositive(v))
    .option('--relay-reservations <n>', 'relay slots at once', v => parsePositive(v))
    .option('--relay-peer-bytes-per-hour <size>', 'bytes relayed per peer per hour')
    .option('--relay-total-bytes-per-hour <size>', 'bytes relayed per hour in all')
    .option('--store-allow <peerId>', 'peer allowed to push shares to the store (repeatable; no store without one)', collect, [])
    .option('--store-peer-quota <size>', 'bytes each peer may keep in the store')
    .option('--store-total-quota <size>', 'bytes the store may hold in all')
    .option('--no-dht', 'answer DHT queries as a client only (for testing the tracker fallback)')
    .action(async (_o, cmd: Command) => {
      const opts = cmd.opts() as GlobalOpts & HubOpts
      await cmdHub(opts, opts, out(cmd))
    })

  withGlobals(program.command('daemon').description('run Swarmdrop headless and serve its app to a browser on this machine'))
    .option('--out <dir>', 'download folder (default: the one in settings, ~/Downloads at first)')
    .option('--ui-port <n>', 'port of the web UI and API; 0 picks a free one', v => parsePort(v), 0)
    .addOption(new Option('--ui-host <address>', 'address the web UI binds to (loopback unless you know why not)').default('127.0.0.1'))
    .action(async (_o, cmd: Command) => {
      const opts = cmd.opts() as GlobalOpts & DaemonOpts
      await cmdDaemon(opts, opts, out(cmd))
    })

  try {
    await program.parseAsync(argv, { from: 'user' })
    return code
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed its message already (help, version, usage errors).
      return err.exitCode === 0 ? 0 : 2
    }
    const json = argv.includes('--json')
    const o = new Output(json)
    if (isSwarmdropError(err)) {
      o.error(err.message)
      if (json) process.stdout.write(`${JSON.stringify({ event: 'error', code: err.code, message: err.message })}\n`)
      if (!err.userError && process.env.DEBUG != null) process.stderr.write(`${err.stack ?? ''}\n`)
      return err.code === ErrorCodes.USAGE ? 2 : 1
    }
    o.error(`unexpected error: ${(err as Error).message}`)
    if (process.env.DEBUG != null) process.stderr.write(`${(err as Error).stack ?? ''}\n`)
    return 1
  }
}

void main(process.argv.slice(2)).then(code => {
  // libp2p may leave sockets closing in the background; the answer is already out.
  process.exit(code)
}, (err: unknown) => {
  process.stderr.write(`swarmdrop: ${(err as Error).message}\n`)
  process.exit(1)
})
