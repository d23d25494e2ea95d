import type { Command } from 'commander'
import type { CliContext, GlobalOpts } from '../context.js'
import { formatBytes, printable, type Output } from '../output.js'
import { startEngine } from '../start-engine.js'

export function registerBrowse (cli: CliContext): void {
  cli.command('browse', 'list what a peer shares (by peer ID, found through the DHT, or by multiaddr)')
    .argument('<peer>', 'a peer ID or a multiaddr')
    .action(async (peer: string, _o, cmd: Command) => { await browse(peer, cmd.opts<GlobalOpts>(), cli.output(cmd)) })
}

async function browse (peer: string, g: GlobalOpts, out: Output): Promise<void> {
  const engine = await startEngine(g, out)
  try {
    const { peerId, entries } = await engine.browse(peer)
    if (!out.json) process.stdout.write(entries.length === 0 ? `${peerId} shares nothing right now.\n` : `${peerId} shares:\n`)
    for (const e of entries) {
      out.event({ event: 'share', peerId, cid: e.cid, name: e.name, size: e.size, files: e.files },
        `  ${printable(e.name)}  (${formatBytes(e.size)}, ${e.files} file${e.files === 1 ? '' : 's'})\n    swarmdrop://${e.cid}?peer=${peerId}`)
    }
  } finally {
    await engine.stop()
  }
}
