import type { Engine } from '../api/index.js'
import { formatBytes, printable, type Output } from './output.js'

/** Prints the swarm's pub/sub feed as it arrives (JSON lines, or one readable line each). */
export function printFeed (engine: Engine, out: Output): void {
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
export function printChanged (engine: Engine, out: Output): void {
  engine.onShareChanged(share => {
    const c = share.changed!
    out.event({ event: 'changed', cid: share.cid, file: c.file, kind: c.kind, reason: c.reason },
      `"${printable(share.manifest.name)}" is no longer shared: ${printable(c.file)} changed on disk (${c.reason}). ` +
      'Share it again to serve what is there now.')
  })
}
