import type { Command } from 'commander'
import { resolve } from 'node:path'
import { Engine } from '../../api/index.js'
import type { CliContext, GlobalOpts } from '../context.js'

/** `swarmdrop id`: the peer ID, made on first use; the node listens nowhere and looks for no one. */
export function registerId (cli: CliContext): void {
  cli.command('id', 'print this node\'s peer ID (creating the identity if there is none)')
    .action(async (_o, cmd: Command) => {
      const g = cmd.opts<GlobalOpts>()
      const out = cli.output(cmd)
      const engine = await Engine.create({ dataDir: resolve(g.data), listen: [], mdns: false })
      out.event({ peerId: engine.peerId }, engine.peerId)
      await engine.stop()
    })
}
