import { Option, type Command } from 'commander'
import { resolve } from 'node:path'
import { appVersion } from '../../app-root.js'
import { runDaemon } from '../../daemon/index.js'
import { encrypters, type CliContext, type GlobalOpts } from '../context.js'
import type { Output } from '../output.js'
import { parsePort } from '../parsers.js'
import { untilSignal } from '../signals.js'
import { noteDamage, notePortChange } from '../start-engine.js'

interface DaemonOpts extends GlobalOpts { out?: string, uiPort?: number, uiHost: string }

export function registerDaemon (cli: CliContext): void {
  cli.command('daemon', 'run Swarmdrop headless and serve its app to a browser on this machine')
    .option('--out <dir>', 'download folder (default: the one in settings, ~/Downloads at first)')
    .option('--ui-port <n>', 'port of the web UI and API (default: the last run\'s, so its address keeps working; 0 picks a new free one)', v => parsePort(v))
    .addOption(new Option('--ui-host <address>', 'address the web UI binds to (loopback unless you know why not)').default('127.0.0.1'))
    .action(async (_o, cmd: Command) => { await daemon(cmd.opts<DaemonOpts>(), cli.output(cmd)) })
}

async function daemon (o: DaemonOpts, out: Output): Promise<void> {
  const d = await runDaemon({
    dataDir: resolve(o.data),
    listen: o.listen,
    bootstrap: o.bootstrap,
    hub: o.hub,
    mdns: o.mdns,
    // --no-upnp switches mapping off for this run; otherwise the Settings choice holds.
    portMapping: o.upnp ? undefined : false,
    encrypters: encrypters(o),
    downloadDir: o.out,
    uiHost: o.uiHost,
    uiPort: o.uiPort,
    version: appVersion()
  })
  try {
    out.event({ event: 'ready', url: d.url, peerId: d.peerId, addrs: d.addrs },
      `Swarmdrop is running (peer ID ${d.peerId}).\nOpen the app in your browser:\n\n  ${d.url}\n\n` +
      'The link holds a secret token: do not share it. Ctrl+C stops Swarmdrop.')
    notePortChange(d.portChanged, out)
    noteDamage(d.state, out)
    await untilSignal()
  } finally {
    await d.stop()
  }
}
