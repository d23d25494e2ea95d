import type { Command } from 'commander'
import { resolve } from 'node:path'
import { peerIdOf } from '../../api/identity.js'
import type { CliContext, GlobalOpts } from '../context.js'

/** `swarmdrop id`: the peer ID, made on first use, read from the key alone: no node is started, nothing listens. */
export function registerId (cli: CliContext): void {
  cli.command('id', 'print this node\'s peer ID (creating the identity if there is none)')
    .action(async (_o, cmd: Command) => {
      const g = cmd.opts<GlobalOpts>()
      const peerId = await peerIdOf(resolve(g.data))
      cli.output(cmd).event({ peerId }, peerId)
    })
}
