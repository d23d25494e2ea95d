import { resolve } from 'node:path'
import { Engine, type PortChange, type StateFiles } from '../api/index.js'
import type { DamagedFile } from '../../shared/api.js'
import { parseRate } from '../../shared/rate.js'
import { encrypters, type GlobalOpts } from './context.js'
import type { Output } from './output.js'

/** Says when the kept listen port was taken: links and addresses handed out before name the old one. */
export function notePortChange (change: PortChange | undefined, out: Output): void {
  if (change == null) return
  out.notice({ event: 'port-changed', old: change.old, new: change.new },
    `listen port ${change.old} is taken by another program; listening on ${change.new} from now on (links shared before name the old port)`)
}

/**
 * One warning per state file found damaged (at start, and any found later): it
 * was moved aside, not overwritten, and the user should know what was lost.
 */
export function noteDamage (state: StateFiles, out: Output): () => void {
  const say = (d: DamagedFile): void => {
    out.notice({ event: 'damaged', ...d },
      `warning: ${d.file} in the data folder was damaged (${d.reason}); ${d.movedTo === d.file ? 'left in place' : `kept as ${d.movedTo}`}, and started from its defaults`)
  }
  for (const d of state.damaged()) say(d)
  return state.onDamaged(say)
}

/** The engine as the global options describe it, for the commands that share, download or browse. */
export async function startEngine (g: GlobalOpts, out: Output): Promise<Engine> {
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
    encrypters: encrypters(g),
    hub: g.hub,
    portMapping: g.upnp,
    holePunching: g.holePunch,
    mappingLimits: g.upnpRenewMs != null ? { renewMs: g.upnpRenewMs } : undefined
  })
  notePortChange(engine.portChanged, out)
  noteDamage(engine.state, out)
  return engine
}
