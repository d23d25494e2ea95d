import type { IdentifyResult, Libp2pEvents, PeerId } from '@libp2p/interface'
import { isPrivate } from '@libp2p/utils'
import type { Multiaddr } from '@multiformats/multiaddr'
import { log } from '../log.js'
import { isCircuit, isRelayed } from './addresses.js'
import type { SwarmNode } from './create-node.js'

const logger = log('upgrader')

/** A direct dial to a public address answers in a round trip and a handshake, or not at all. */
const DIAL_MS = 5_000
/** The same addresses of the same peer are not tried again sooner: they failed for a reason. */
const RETRY_MS = 60_000
/** Peers remembered for RETRY_MS; past this many the oldest are forgotten. */
const MAX_REMEMBERED = 1_000

/**
 * Moves a relayed connection to a direct one whenever the other side says
 * (in identify, or a later identify push) that it has a public address we can
 * dial: the NATed side dials out to the public one. libp2p's DCUtR does this
 * once, from the side the relayed connection came in on, at the moment it
 * connects, which misses a public address confirmed a moment later (ours are
 * confirmed by the hub's dial-back after start) and the side that dialled
 * through the relay. The relayed connection is left open: downloads move
 * their channels over (download/route-upgrade.ts), and libp2p closes it idle.
 */
export class DirectUpgrader {
  private readonly tried = new Map<string, { key: string, at: number }>()

  constructor (private readonly components: { node: SwarmNode }) {}

  start (): void {
    this.components.node.addEventListener('peer:identify', this.onIdentify)
  }

  stop (): void {
    this.components.node.removeEventListener('peer:identify', this.onIdentify)
  }

  private readonly onIdentify = (evt: Libp2pEvents['peer:identify']): void => {
    void this.maybeUpgrade(evt.detail)
  }

  private async maybeUpgrade ({ peerId, listenAddrs }: IdentifyResult): Promise<void> {
    const { node } = this.components
    const conns = node.getConnections(peerId)
    if (conns.length === 0 || conns.some(c => !isRelayed(c))) return
    const targets = publicDirect(listenAddrs, peerId)
    if (targets.length === 0) return
    const id = peerId.toString()
    const key = targets.map(a => a.toString()).sort().join(' ')
    const last = this.tried.get(id)
    if (last?.key === key && Date.now() - last.at < RETRY_MS) return
    this.remember(id, key)
    try {
      const c = await node.dial(targets, { force: true, signal: AbortSignal.timeout(DIAL_MS) })
      logger('%p: relayed connection went direct on %a', peerId, c.remoteAddr)
    } catch (err) {
      logger('%p: no direct route to %s: %s', peerId, key, (err as Error).message)
    }
  }

  private remember (id: string, key: string): void {
    if (this.tried.size >= MAX_REMEMBERED) this.tried.delete(this.tried.keys().next().value!)
    this.tried.set(id, { key, at: Date.now() })
  }
}

/** A peer's public, direct TCP addresses, each ending in its /p2p/ ID: what a dial from anywhere may reach. */
export function publicDirect (addrs: readonly Multiaddr[], peer: PeerId): Multiaddr[] {
  return addrs
    .filter(a => !isCircuit(a) && a.toString().includes('/tcp/') && !isPrivate(a) && ['ip4', 'ip6'].includes(a.getComponents()[0]?.name ?? ''))
    .map(a => a.getComponents().some(c => c.name === 'p2p') ? a : a.encapsulate(`/p2p/${peer.toString()}`))
}
