import type { Connection } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'
import { AccessDeniedError, ContentNotFoundError } from '../../../../shared/errors.js'
import type { PieceLayout } from '../../storage/piece-layout.js'
import type { Logger } from '../../base/log.js'
import { isRelayed, parseAddrs } from '../../base/addresses.js'
import type { SwarmNode } from '../../node/create-node.js'
import { dialPeer, pathOf } from '../../node/dial.js'
import type { HubRef } from '../../node/hub-ref.js'
import type { BanList } from '../../persistence/ban-list.js'
import type { SwarmRegistry } from '../../swarm/registry.js'
import type { Download, PeerLink } from '../download.js'
import type { DiscoveryVia, PeerFinder } from '../peer-finder.js'
import { directSoon } from '../route-upgrade.js'

/** Peers one download pulls from at most: past this, more peers add overhead, not speed. */
export const MAX_DOWNLOAD_PEERS = 40
/** Peers asked for their swarm per discovery round. */
const PEX_FANOUT = 5

export interface SwarmLinksInit {
  node: SwarmNode
  cid: CID
  download: Download
  layout: PieceLayout
  finder: PeerFinder
  bans: BanList
  registry: SwarmRegistry
  hub: () => HubRef | undefined
  /** Find more peers (DHT, tracker, peer exchange); false for a client-server run. */
  discover: boolean
  proofFor: (peerId: string) => Uint8Array | undefined
  /** A peer that opened a piece channel with us: it is a source now. */
  onLinked: (peerId: string) => void
  log: Logger
  signal: AbortSignal
}

/**
 * How a download's peers become piece channels: dial, open the channel, add
 * it to the download; on connect, ask the newcomer who else is in the swarm;
 * in each discovery round, ask the DHT, the tracker and a few members.
 */
export class SwarmLinks {
  /** A sharer that shut us out: if every peer does, that (not "no peers") is why we stop. */
  denied: AccessDeniedError | undefined
  private readonly pending = new Set<string>()
  private readonly exchanged = new Set<string>()
  private readonly self: string

  constructor (private readonly init: SwarmLinksInit) {
    this.self = init.node.peerId.toString()
  }

  /** A piece channel over `c`, or null (the peer lacks the content, refuses us, or is gone). */
  async open (c: Connection): Promise<PeerLink | null> {
    const { node, cid, download, finder, signal, log } = this.init
    const peerId = c.remotePeer.toString()
    // A relayed peer that can be hole-punched is usually direct within a second: start there, not on the hub's relay.
    if (isRelayed(c)) c = await directSoon(node, c, signal)
    try {
      const channel = await node.services.pieces.open(c.remotePeer, cid, {
        pieceCount: this.init.layout.count,
        pieceSize: this.init.layout.pieceSize,
        maxInFlight: download.maxInFlight,
        mine: download.have,
        proof: this.init.proofFor(peerId),
        signal
      })
      this.init.registry.touch(cid.toString(), peerId)
      finder.seen(peerId, [c.remoteAddr.toString()])
      this.init.onLinked(peerId)
      this.exchangeOnConnect(peerId)
      return { peerId, path: pathOf(c, this.init.hub()), channel }
    } catch (err) {
      log('no piece channel to %s: %s', peerId, (err as Error).message)
      if (err instanceof ContentNotFoundError) finder.forget(peerId)
      if (err instanceof AccessDeniedError) this.denied = err
      return null
    }
  }

  /** Channels over each of `conns`; throws the sharer's refusal when every one refused us. */
  async openAll (conns: Connection[]): Promise<PeerLink[]> {
    this.denied = undefined
    const links = (await Promise.all(conns.map(async c => await this.open(c)))).filter(l => l != null)
    if (links.length === 0 && this.denied != null) throw this.denied
    return links
  }

  /** One more peer that may have pieces: connect, open a channel, add it. */
  add (peerId: string, addrs: Multiaddr[], via: DiscoveryVia): void {
    const { node, download, finder, signal, log } = this.init
    if (peerId === this.self || download.finished || this.init.bans.isBanned(peerId) || download.banned.has(peerId)) return
    // Known before anything else: a member we are already talking to is still one more the swarm told us of.
    finder.add(peerId, addrs, via)
    const connected = download.connectedPeers()
    if (this.pending.has(peerId) || connected.includes(peerId) || connected.length >= MAX_DOWNLOAD_PEERS) return
    this.pending.add(peerId)
    dialPeer(node, peerId, finder.targets.get(peerId) ?? addrs, signal)
      .then(async c => await this.open(c))
      .then(link => { if (link != null) download.addPeer(link) }, err => { log('candidate %s: %s', peerId, (err as Error).message) })
      .finally(() => this.pending.delete(peerId))
  }

  /** One discovery round: each route's answers are dialled as they come, not once the slowest route is done. */
  async discoverRound (): Promise<void> {
    const { download, finder } = this.init
    if (!this.init.discover || download.finished) return
    await Promise.all([
      finder.findProviders((id, addrs) => { this.add(id, addrs, 'dht') }),
      finder.askTracker((id, addrs) => { this.add(id, addrs, 'tracker') })
    ])
    for (const [id, addrs] of finder.targets) this.add(id, addrs, 'dht')
    const asked = download.connectedPeers().sort(() => Math.random() - 0.5).slice(0, PEX_FANOUT)
    await Promise.all(asked.map(async id => { await this.askForPeers(id) }))
  }

  /** Peer exchange right on connect: a newcomer knows the swarm in a round trip, not at the next discovery round. */
  private exchangeOnConnect (peerId: string): void {
    if (!this.init.discover || this.exchanged.has(peerId)) return
    this.exchanged.add(peerId)
    void this.askForPeers(peerId)
  }

  /** Asks a member who else is in the swarm, and tries each one it names. */
  private async askForPeers (peerId: string): Promise<void> {
    const { node, cid, signal, log } = this.init
    const hints = await node.services.pex.askPeers(peerIdFromString(peerId), cid, { signal }).catch((err: unknown) => {
      log('peer exchange with %s: %s', peerId, (err as Error).message)
      return []
    })
    for (const h of hints) this.add(h.peerId, parseAddrs(h.addrs), 'pex')
  }
}
