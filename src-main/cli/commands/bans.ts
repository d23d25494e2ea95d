import type { Command } from 'commander'
import { resolve } from 'node:path'
import { parsePeerId } from '../../../shared/link.js'
import { BanList, StateFiles } from '../../api/index.js'
import type { CliContext, GlobalOpts } from '../context.js'
import { printable, type Output } from '../output.js'

export function registerBans (cli: CliContext): void {
  cli.command('bans', 'list peers banned for misbehaving (bad pieces, protocol violations), and peers with points against them')
    .option('--unban <peerId>', 'lift the ban on this peer')
    .action(async (_o, cmd: Command) => { await bans(cmd.opts<GlobalOpts & { unban?: string }>(), cli.output(cmd)) })
}

/**
 * Reads the ban list straight from the data folder rather than through the
 * router's listBans/unban: those need a running engine, and this needs no network.
 */
async function bans (o: GlobalOpts & { unban?: string }, out: Output): Promise<void> {
  const list = new BanList(new StateFiles(resolve(o.data)))
  await list.load()
  if (o.unban != null) {
    const id = parsePeerId(o.unban)
    const was = list.isBanned(id)
    await list.unban(id)
    out.event({ event: 'unbanned', peerId: id, wasBanned: was }, was ? `${id} is no longer banned.` : `${id} was not banned.`)
    return
  }
  const banned = list.list()
  if (!out.json) process.stdout.write(banned.length === 0 ? 'No peer is banned.\n' : `${banned.length} banned peer${banned.length === 1 ? '' : 's'}:\n`)
  for (const b of banned) {
    out.event({ event: 'ban', peerId: b.peerId, until: b.until, reason: b.reason },
      `  ${b.peerId}  until ${new Date(b.until).toISOString()}  (${printable(b.reason)})`)
  }
}
