import type { Connection } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'
import type { DiscoveryRoute, WaitingInfo } from '../../../shared/transfer.js'
import { deadline } from '../base/deadline.js'
import type { Logger } from '../base/log.js'
import { parseAddrs } from '../base/addresses.js'
import type { SwarmNode } from '../node/create-node.js'
import { hasDhtPeers } from '../node/dht-peers.js'
import type { BanList } from '../persistence/ban-list.js'
import type { KnownPeer } from '../persistence/download-records.js'
import { boundedDial, dialPeer } from '../node/dial.js'
import type { HubRef } from '../node/hub-ref.js'

/** Where a candidate came from, as the CLI and UI name it. */
export type DiscoveryVia = 'hint' | 'dht' | 'tracker' | 'known' | 'pex' | 'hub-store' | 'remembered' | 'peer-lookup'

/** Providers asked for per DHT lookup, and how long a lookup may take. */
const MAX_PROVIDERS = 20
const FIND_PROVIDERS_TIMEOUT_MS = 20_000
/** A peer-ID lookup that has not answered by now will not; several run at once. */
const FIND_PEER_TIMEOUT_MS = 10_000
/** Peers whose new address is looked up in the DHT per round: the most recently seen first. */
const PEER_LOOKUPS_PER_ROUND = 4
/**
 * Pauses between rounds of looking while nothing answers. Short at first (a
 * seeder restarting is back within seconds), then every 10 s: a round of
 * dials costs little, and a returning seeder should not wait long for us.
 */
export const BACKOFF_MS = [1_000, 2_000, 3_000, 5_000, 8_000, 10_000]
/** The heavier lookups (DHT, tracker, peer routing) run in these rounds, then every third. */
const LOOKUP_ROUNDS = new Set([0, 1, 3])

export interface PeerFinderInit {
  node: SwarmNode
  cid: CID
  bans: BanList
  /** The hub in use now; it may be found after the download started. */
  hub: () => HubRef | undefined
  /** Look beyond the peers named: DHT, tracker, hub store, LAN. Off for client-server runs. */
  discover: boolean
  /** A public share: its providers may be looked up (a private one is never announced). */
  announce: boolean
  log: Logger
  signal: AbortSignal
  onDiscovered?: (via: DiscoveryVia, peers: string[]) => void
}

export interface UntilOptions {
  exclude?: ReadonlySet<string>
  maxRounds?: number
  /** Also try the peers already connected (LAN, bootstrap) when nobody else answers. */
  withLan?: boolean
  onWaiting?: (w: WaitingInfo | null) => void
}

/**
 * Every way a download finds peers, in one place: the link's hints, peers it
 * remembers from earlier runs, DHT providers, DHT peer routing for known peers
 * whose address changed, the hub's tracker, relay and store, and the LAN
 * peers already connected. It keeps the candidates, dials them, and when none
 * answers keeps looking with backoff until one does, woken early when a known
 * peer connects to us or a new hint arrives. Every wait ends with the signal.
 */
export class PeerFinder {
  /** Every peer known to be in this swarm, with the addresses to try. */
  readonly targets = new Map<string, Multiaddr[]>()
  private readonly bareAddrs: string[] = []
  private readonly remembered = new Map<string, KnownPeer>()
  private readonly tried = new Set<DiscoveryRoute>()
  /** Peers each lookup listed, summed over rounds: "the DHT (3 listed, none answered)". */
  readonly found: { dht?: number, tracker?: number } = {}
  private readonly self: string
  private hubHolds = false
  private wakeUp?: () => void
  /** wake() came while a round ran: the pause after it is skipped. */
  private woken = false
  private waitingSince?: number
  private readonly onConnect: (evt: CustomEvent<{ toString: () => string }>) => void

  constructor (private readonly init: PeerFinderInit) {
    this.self = init.node.peerId.toString()
    // A known peer that comes back and dials us (or that we reach some other way) ends the wait at once.
    this.onConnect = evt => { if (this.targets.has(evt.detail.toString())) this.wake() }
    init.node.addEventListener('peer:connect', this.onConnect as never)
  }

  stop (): void {
    this.init.node.removeEventListener('peer:connect', this.onConnect as never)
    this.wake()
  }

  /** A candidate from anywhere; returns whether it was new. */
  add (peerId: string, addrs: Multiaddr[], via?: DiscoveryVia): boolean {
    if (peerId === this.self || this.init.bans.isBanned(peerId)) return false
    const known = this.targets.get(peerId)
    if (known != null) {
      for (const a of addrs) if (!known.some(k => k.equals(a))) known.push(a)
      return false
    }
    this.targets.set(peerId, [...addrs])
    if (via != null) this.init.onDiscovered?.(via, [peerId])
    return true
  }

  /** Multiaddrs with no peer ID: dialled to learn who is there. */
  addBare (addr: string): void {
    if (!this.bareAddrs.includes(addr)) this.bareAddrs.push(addr)
  }

  /** Peers an earlier run met: tried like hints, and looked up by ID if their address changed. */
  remember (peers: readonly KnownPeer[]): void {
    const fresh: string[] = []
    for (const p of peers) {
      this.remembered.set(p.peerId, p)
      const addrs = parseAddrs(p.addrs)
      if (this.add(p.peerId, addrs)) fresh.push(p.peerId)
    }
    if (fresh.length > 0) this.init.onDiscovered?.('remembered', fresh)
  }

  /** A peer we are exchanging pieces with right now. */
  seen (peerId: string, addrs: string[]): void {
    this.remembered.set(peerId, { peerId, addrs: addrs.slice(0, 8), lastSeen: Date.now() })
  }

  knownPeers (): KnownPeer[] {
    return [...this.remembered.values()]
  }

  /** Dropped for good: it does not have the content. */
  forget (peerId: string): void {
    this.targets.delete(peerId)
  }

  /** Start the next round now: a peer connected, or a link brought new hints. */
  wake (): void {
    // Mid-round there is no pause to cut short yet: the next one is skipped instead.
    if (this.wakeUp != null) this.wakeUp()
    else this.woken = true
  }

  /** What a "waiting for peers" line says; null while not waiting. */
  waiting (nextTryAt: number): WaitingInfo | null {
    if (this.waitingSince == null) return null
    let last: KnownPeer | null = null
    for (const p of this.remembered.values()) if (last == null || p.lastSeen > last.lastSeen) last = p
    return { since: this.waitingSince, lastSeen: last == null ? null : { peerId: last.peerId, at: last.lastSeen }, known: this.targets.size, tried: [...this.tried], nextTryAt }
  }

  /** Why nothing was found, for the error a user reads. */
  triedRoutes (): DiscoveryRoute[] {
    return [...this.tried]
  }

  /** Connects to every candidate not excluded; resolves with the connections that opened. */
  async connectAll (exclude: ReadonlySet<string> = new Set()): Promise<Map<string, Connection>> {
    const { node, signal, log } = this.init
    const connected = new Map<string, Connection>()
    const jobs: Array<Promise<void>> = []
    for (const [peerId, addrs] of this.targets) {
      if (exclude.has(peerId) || this.init.bans.isBanned(peerId)) continue
      this.tried.add(this.remembered.has(peerId) ? 'remembered' : 'link')
      if (this.init.hub() != null) this.tried.add('relay')
      jobs.push(dialPeer(node, peerId, addrs, signal, this.init.hub()).then(c => { connected.set(peerId, c) }, err => { log('cannot reach %s: %s', peerId, (err as Error).message) }))
    }
    for (const a of this.bareAddrs) {
      this.tried.add('link')
      jobs.push(boundedDial(node, multiaddr(a), signal).then(c => {
        const id = c.remotePeer.toString()
        if (exclude.has(id)) return
        this.add(id, [multiaddr(a)])
        connected.set(id, c)
      }, err => { log('cannot reach %s: %s', a, (err as Error).message) }))
    }
    await Promise.all(jobs)
    return connected
  }

  /** DHT provider records for the content; returns how many new peers they named. `onFound` hears of each as the lookup finds it. */
  async findProviders (onFound?: (peerId: string, addrs: Multiaddr[]) => void): Promise<number> {
    const { node, signal, log, cid } = this.init
    if (!this.init.announce) return 0
    // An empty routing table makes a lookup wait for peers that will never come.
    if (!await hasDhtPeers(node, signal)) return 0
    this.tried.add('dht')
    const { signal: lookup, clear } = deadline(FIND_PROVIDERS_TIMEOUT_MS, signal)
    const found: string[] = []
    let n = 0
    try {
      for await (const p of node.contentRouting.findProviders(cid, { signal: lookup })) {
        const id = p.id.toString()
        if (id === this.init.hub()?.peerId) continue
        if (this.add(id, p.multiaddrs)) {
          found.push(id)
          onFound?.(id, p.multiaddrs)
        }
        if (++n >= MAX_PROVIDERS) break
      }
    } catch (err) {
      log('provider lookup for %s: %s', cid.toString(), (err as Error).message)
    } finally {
      clear()
    }
    this.found.dht = (this.found.dht ?? 0) + found.length
    log('DHT found %d provider(s) of %s', n, cid.toString())
    if (found.length > 0) this.init.onDiscovered?.('dht', found)
    return found.length
  }

  /**
   * The hub's tracker: who announced this CID. The hub itself is listed when
   * its store holds a copy; it is kept apart, as the last resort.
   */
  async askTracker (onFound?: (peerId: string, addrs: Multiaddr[]) => void): Promise<number> {
    const hub = this.init.hub()
    if (!this.init.announce || hub == null) return 0
    this.tried.add('tracker')
    try {
      const holders = await this.init.node.services.tracker.lookup(peerIdFromString(hub.peerId), this.init.cid, { signal: this.init.signal })
      const fresh: string[] = []
      this.found.tracker = (this.found.tracker ?? 0) + holders.filter(h => h.peerId !== hub.peerId).length
      for (const h of holders) {
        if (h.peerId === hub.peerId) { this.hubHolds = true; continue }
        const addrs = parseAddrs(h.addrs)
        if (this.add(h.peerId, addrs)) {
          fresh.push(h.peerId)
          onFound?.(h.peerId, addrs)
        }
      }
      if (fresh.length > 0) this.init.onDiscovered?.('tracker', fresh)
      return fresh.length
    } catch (err) {
      this.init.log('tracker lookup for %s: %s', this.init.cid.toString(), (err as Error).message)
      return 0
    }
  }

  /**
   * DHT peer routing for known peers we cannot reach: a seeder that came back
   * on another address is found by its peer ID. Returns how many got new addresses.
   */
  async lookUpKnown (exclude: ReadonlySet<string>): Promise<number> {
    const { node, signal, log } = this.init
    const ids = [...this.targets.keys()]
      .filter(id => !exclude.has(id) && node.getConnections(peerIdFromString(id)).length === 0)
      .sort((a, b) => (this.remembered.get(b)?.lastSeen ?? 0) - (this.remembered.get(a)?.lastSeen ?? 0))
      .slice(0, PEER_LOOKUPS_PER_ROUND)
    if (ids.length === 0 || !await hasDhtPeers(node, signal)) return 0
    this.tried.add('peer-lookup')
    const updated = await Promise.all(ids.map(async id => {
      const { signal: lookup, clear } = deadline(FIND_PEER_TIMEOUT_MS, signal)
      try {
        const info = await node.peerRouting.findPeer(peerIdFromString(id), { signal: lookup })
        const known = this.targets.get(id) ?? []
        const fresh = info.multiaddrs.filter(a => !known.some(k => k.equals(a)))
        if (fresh.length === 0) return false
        this.targets.set(id, [...fresh, ...known])
        return true
      } catch (err) {
        log('peer lookup for %s: %s', id, (err as Error).message)
        return false
      } finally {
        clear()
      }
    }))
    const n = updated.filter(Boolean).length
    if (n > 0) this.init.onDiscovered?.('peer-lookup', ids.filter((_, i) => updated[i]))
    return n
  }

  /** Nobody else reachable: the hub's own copy. */
  async useHubStore (): Promise<Connection | null> {
    const hub = this.init.hub()
    if (hub == null || !this.hubHolds || this.init.bans.isBanned(hub.peerId)) return null
    this.tried.add('hub-store')
    try {
      const c = await dialPeer(this.init.node, hub.peerId, [hub.addr], this.init.signal)
      this.targets.set(hub.peerId, [hub.addr])
      this.init.onDiscovered?.('hub-store', [hub.peerId])
      return c
    } catch (err) {
      this.init.log('hub store unreachable: %s', (err as Error).message)
      return null
    }
  }

  /** Peers we are already connected to (LAN peers found by mDNS, bootstrap peers): they may have it. */
  lanPeers (exclude: ReadonlySet<string>): Map<string, Connection> {
    const out = new Map<string, Connection>()
    for (const c of this.init.node.getConnections().slice(0, MAX_PROVIDERS)) {
      const id = c.remotePeer.toString()
      if (exclude.has(id) || this.init.bans.isBanned(id) || id === this.init.hub()?.peerId) continue
      out.set(id, c)
    }
    if (out.size > 0) this.tried.add('lan')
    return out
  }

  /**
   * Looks, round after round, until `use` makes something of the connections
   * found: each round dials every candidate, and in the early rounds (then
   * every third) also asks the DHT, the tracker and peer routing; the hub's
   * store comes last. Between rounds it waits with backoff, reporting
   * `onWaiting`, and is woken early by `wake()`. `maxRounds` bounds it (a
   * client-server run); otherwise only the signal ends it.
   */
  async until<T> (use: (conns: Map<string, Connection>) => Promise<T[]>, opts: UntilOptions = {}): Promise<T[]> {
    const exclude = opts.exclude ?? new Set<string>()
    const { signal } = this.init
    for (let round = 0; ; round++) {
      signal.throwIfAborted()
      this.woken = false
      let conns = await this.connectAll(exclude)
      if (conns.size === 0 && this.init.discover && (LOOKUP_ROUNDS.has(round) || round % 3 === 0)) {
        let fresh = await this.findProviders()
        fresh += await this.askTracker()
        fresh += await this.lookUpKnown(exclude)
        if (fresh > 0) conns = await this.connectAll(exclude)
      }
      if (conns.size === 0 && this.init.discover && !exclude.has(this.init.hub()?.peerId ?? '')) {
        const c = await this.useHubStore()
        if (c != null) conns.set(c.remotePeer.toString(), c)
      }
      if (conns.size === 0 && this.init.discover && opts.withLan === true) conns = this.lanPeers(exclude)
      const found = conns.size > 0 ? await use(conns) : []
      if (found.length > 0) {
        if (this.waitingSince != null) { this.waitingSince = undefined; opts.onWaiting?.(null) }
        return found
      }
      if (opts.maxRounds != null && round + 1 >= opts.maxRounds) return []
      const pause = BACKOFF_MS[Math.min(round, BACKOFF_MS.length - 1)]!
      this.waitingSince ??= Date.now()
      opts.onWaiting?.(this.waiting(Date.now() + pause))
      await this.sleep(pause)
    }
  }

  private async sleep (ms: number): Promise<void> {
    const { signal } = this.init
    if (this.woken) { this.woken = false; return }
    await new Promise<void>(resolve => {
      const done = (): void => {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        this.wakeUp = undefined
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.wakeUp = done
      signal.addEventListener('abort', done, { once: true })
    })
  }
}
