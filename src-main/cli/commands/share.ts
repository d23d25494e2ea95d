import type { Command } from 'commander'
import { parsePeerId } from '../../../shared/link.js'
import type { HashingEvent, PushedEvent, PushingEvent, SharingEvent, SkippedEvent } from '../../../shared/transfer.js'
import { throttleProgress } from '../../api/index.js'
import type { CliContext, GlobalOpts } from '../context.js'
import { formatBytes, printable, type Output } from '../output.js'
import { collect } from '../parsers.js'
import { untilSignal } from '../signals.js'
import { startEngine } from '../start-engine.js'
import { printChanged, printFeed } from '../swarm-events.js'

interface ShareOpts extends GlobalOpts { push?: string | true, allow: string[], secret: boolean }

export function registerShare (cli: CliContext): void {
  cli.command('share', 'hash files or folders and seed them until stopped')
    .argument('<path...>', 'files or folders to share')
    .option('--allow <peerId>', 'only these peers may fetch it (repeatable); it is not announced', collect, [])
    .option('--secret', 'only holders of its link may fetch it: the link carries a secret; it is not announced', false)
    .option('--up-limit <rate>', 'upload limit, e.g. 500KB, 4MB, 1.5MiB (per second)')
    .option('--push [hub]', 'also keep a copy on a hub (the --hub one, or this multiaddr), so the link works while you are offline')
    .action(async (paths: string[], _o, cmd: Command) => {
      const opts = cmd.opts<ShareOpts>()
      cli.exit(await share(paths, opts, cli.output(cmd)))
    })
}

async function share (paths: string[], o: ShareOpts, out: Output): Promise<number> {
  const access = { allow: o.allow.map(parsePeerId), secret: o.secret }
  const engine = await startEngine(o, out)
  const stopped = untilSignal()
  const abort = new AbortController()
  void stopped.then(() => { abort.abort() })
  try {
    const result = await engine.share(paths, {
      ...access,
      signal: abort.signal,
      onProgress: throttleProgress(p => {
        const ev: HashingEvent = { event: 'hashing', bytes: p.bytes, total: p.total }
        out.progress({ ...ev }, 'hashing', p.bytes, p.total)
      })
    })
    out.stopBar()
    for (const s of result.skipped) {
      const skipped: SkippedEvent = { event: 'skipped', path: s.absPath, reason: s.reason }
      out.event({ ...skipped }, `skipped ${s.absPath}: ${s.reason}`)
    }
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
    if (o.push != null) {
      const pushing: PushingEvent = { event: 'pushing', cid: ev.cid }
      out.event({ ...pushing }, 'Pushing a copy to the hub…')
      const bytes = await engine.push(ev.cid, o.push === true ? undefined : o.push, abort.signal)
      const pushed: PushedEvent = { event: 'pushed', cid: ev.cid, bytes }
      out.event({ ...pushed }, `The hub keeps a copy (${formatBytes(bytes)}): the link works while you are offline.`)
    }
    const who = access.secret
      ? 'Private: only holders of this link can download it, and it is not announced.'
      : access.allow.length > 0
        ? `Private: only ${access.allow.length} listed peer(s) can download it, and it is not announced.`
        : 'Anyone with this link can download it.'
    const files = `${m.files.length} file${m.files.length === 1 ? '' : 's'}`
    out.event({ ...ev }, `Sharing "${printable(m.name)}" (${formatBytes(size)}, ${files})\n\n  ${result.link}\n\n${who} Press Ctrl+C to stop sharing.`)
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
