import { Option, type Command } from 'commander'
import { resolve } from 'node:path'
import { parseLink } from '../../../shared/link.js'
import type { CheckingEvent, DoneEvent, PeersEvent, ProgressEvent, SharingEvent, StalledEvent, WaitingEvent } from '../../../shared/transfer.js'
import { seedFinished, shortPeer, stallMessage, type DownloadOutcome } from '../../api/index.js'
import type { CliContext, GlobalOpts } from '../context.js'
import { formatBytes, printable, type Output } from '../output.js'
import { collect, parseSeconds } from '../parsers.js'
import { untilSignal } from '../signals.js'
import { startEngine } from '../start-engine.js'
import { printChanged, printFeed } from '../swarm-events.js'

interface GetOpts extends GlobalOpts { out: string, peer: string[], seed: boolean, progressInterval: number, stallTimeout: number }

export function registerGet (cli: CliContext): void {
  cli.command('get', 'download a share by link or content ID')
    .argument('<link-or-cid>', 'a swarmdrop:// link or a bare content ID')
    .requiredOption('--out <dir>', 'folder to download into')
    .option('--peer <multiaddr|peerId>', 'peer to download from (repeatable)', collect, [])
    .option('--seed', 'keep serving the files after the download', false)
    .option('--up-limit <rate>', 'upload limit, e.g. 500KB, 4MB (per second)')
    .option('--down-limit <rate>', 'download limit, e.g. 2MB (per second)')
    .addOption(new Option('--stall-timeout <seconds>', 'give up after this long with no verified progress and no new peer; 0 waits forever')
      .argParser(parseSeconds).default(30))
    .addOption(new Option('--leech-only', 'client-server mode for benchmarks: only the given peers, serve nobody').default(false).hideHelp())
    .addOption(new Option('--progress-interval <ms>', 'milliseconds between progress events').argParser(v => Number.parseInt(v, 10)).default(250).hideHelp())
    .action(async (target: string, _o, cmd: Command) => {
      cli.exit(await get(target, cmd.opts<GetOpts>(), cli.output(cmd)))
    })
}

async function get (target: string, o: GetOpts, out: Output): Promise<number> {
  const engine = await startEngine(o, out)
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
        if (phase !== 'checking' || detail == null || detail.bytes <= 0) return
        const ev: CheckingEvent = { event: 'checking', bytes: detail.bytes, total: detail.total }
        out.progress({ ...ev }, 'checking', detail.bytes, detail.total)
      },
      stallTimeoutMs: o.stallTimeout * 1000,
      onDiscovered: (via, peers) => {
        const ev: PeersEvent = { event: 'peers', via, peers }
        out.event({ ...ev }, `found ${peers.length} peer${peers.length === 1 ? '' : 's'} (${via})`)
      },
      onWaiting: w => {
        if (w == null) return
        const ev: WaitingEvent = { event: 'waiting', cid, ...w }
        const last = w.lastSeen == null
          ? 'nobody sharing this has answered yet'
          : `last seen ${shortPeer(w.lastSeen.peerId)}, ${formatAgo(Date.now() - w.lastSeen.at)} ago`
        const limit = o.stallTimeout > 0 ? ` (gives up after ${o.stallTimeout} s without progress)` : ''
        out.event({ ...ev }, `waiting for peers — ${last}; still looking${limit}`)
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
    const done: DoneEvent = {
      event: 'done', cid: outcome.cid, path: outcome.path, bytes: outcome.bytes, sources: outcome.sources, paths: outcome.paths, banned: outcome.banned
    }
    out.event({ ...done }, doneText(outcome))
    if (o.seed) {
      printChanged(engine, out)
      const share = await seedFinished(engine, outcome)
      const link = engine.linkFor(share)
      // The part of `share`'s sharing line that a finished download knows.
      const ev: Pick<SharingEvent, 'event' | 'cid' | 'link' | 'peerId' | 'addrs'> = { event: 'sharing', cid: share.cid, link, peerId: engine.peerId, addrs: engine.addrs() }
      out.event({ ...ev }, `Seeding. Press Ctrl+C to stop.\n\n  ${link}`)
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

function doneText (outcome: DownloadOutcome): string {
  const route = (path: string): string => path === 'relay' ? 'relayed through the hub' : path === 'hub' ? "the hub's store" : 'direct'
  const from = Object.entries(outcome.sources).map(([id, s]) => `  ${formatBytes(s.bytes)} from ${id} (${route(s.path)})`).join('\n')
  return `Downloaded "${printable(outcome.manifest.name)}" (${formatBytes(outcome.bytes)}) to ${printable(outcome.path)}` +
    (from === '' ? '' : `\n${from}`) +
    (outcome.banned.length > 0 ? `\n  banned for bad data: ${outcome.banned.join(', ')}` : '')
}

function formatAgo (ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000))
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`
}
