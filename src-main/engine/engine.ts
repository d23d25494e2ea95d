import './polyfills.js'
import { KEEP_ALIVE, type Connection, type PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { mkdir, stat } from 'node:fs/promises'
import { compareStamp } from './storage/file-stamp.js'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import type { CatalogEntry } from '../../shared/catalog.js'
import { PeerUnreachableError, ShareChangedError, UsageError } from '../../shared/errors.js'
import type { FeedItem } from '../../shared/feed.js'
import { formatLink, parseCid, parseLink, type PeerHint } from '../../shared/link.js'
import { pieceCount, totalSize } from '../../shared/manifest.js'
import { pieceLayout } from './content/layout.js'
import { Library, type ServedContent } from './content/library.js'
import { dialPeer, discardDownload, runDownload, type ActiveDownload, type DownloadOutcome, type DownloadRequest } from './download/runner.js'
import { deadline } from './deadline.js'
import { log } from './log.js'
import { PUBLIC_BOOTSTRAP, type Encrypter } from './node/constants.js'
import { createNode, type SwarmNode } from './node/create-node.js'
import { resolveListen, type PortChange } from './node/listen-port.js'
import { loadOrCreateIdentity } from './node/identity.js'
import { hasDhtPeers } from './node/dht-peers.js'
import { SHARE_CHANGED_MESSAGE, type UploadSlot } from './protocols/pieces/uploader.js'
import { FileHandleCache } from './storage/file-cache.js'
import { SharedFileReader } from './content/shared-file-reader.js'
import { BanList, type Ban } from './store/ban-list.js'
import { BootstrapList } from './store/bootstrap-list.js'
import { ShareStore, type AddShareResult, type HashProgress, type ShareRecord } from './store/share-store.js'
import { SwarmFeed } from './swarm/feed.js'
import { SwarmRegistry } from './swarm/registry.js'
import { Choker, RECHOKE_MS } from './transfer/choker.js'
import { RateLimit, TokenBucket } from './transfer/token-bucket.js'
import { RelayBudget, type RelayLimits } from './hosting/relay-budget.js'
import { StoreLedger, type StoreLimits } from './hosting/store-ledger.js'
import { TrackerTable } from './protocols/tracker/table.js'
import { isPrivate, mayAccess, newSecret, PUBLIC, type ShareAccess } from './access/share-access.js'
import { PeerScores, type PeerPenalty } from './trust/peer-scores.js'
import { ANNOUNCE_EVERY_MS } from './protocols/tracker/constants.js'
import type { HubRef } from './download/runner.js'

const logger = log('engine')

/** Shares are announced again this often: provider records expire after a day. */
const REPROVIDE_MS = 60 * 60 * 1000
/**
 * Shared files are looked at this often even when nobody asks for a piece, so a
 * changed one leaves the DHT, the catalog and the UI soon. A stat per file: a
 * library of ten thousand files costs a few milliseconds a minute.
 */
const CHECK_SHARES_MS = 60_000
/** Bootstrap and LAN peers are dialled in the background; this bounds how long start waits. */
const BOOTSTRAP_WAIT_MS = 5_000
/** Discovered LAN peers are dialled only while we have fewer connections than this. */
const MAX_AUTODIAL_CONNECTIONS = 50
/** New connections trigger an announce at most this often. */
const ANNOUNCE_ON_CONNECT_MS = 30_000
/** mDNS answers within a second or two on a LAN; a bare peer ID waits this long for it. */
const MDNS_WAIT_MS = 3_000
/** A peer-ID lookup in the DHT that has not answered by now will not. */
const FIND_PEER_TIMEOUT_MS = 30_000
/** Presence on each swarm feed is refreshed this often. */
const PRESENCE_MS = 30_000
/** A swarm's newcomers are greeted with our presence at most this often, a moment after they subscribe. */
const GREET_MS = 5_000
const GREET_DELAY_MS = 500
/** A peer's round-trip time is measured at most this often (the peers view asks every second). */
const PING_EVERY_MS = 10_000
const PING_TIMEOUT_MS = 5_000
/** A relay reservation on the hub usually takes well under a second; start does not wait longer than this. */
const RESERVATION_WAIT_MS = 5_000
/**
 * How long start waits for identify to tell what the bootstrap peers speak (is one a hub?):
 * it takes a round trip after the dial; 3 s covers a loaded machine, as in dht-peers.
 */
const IDENTIFY_WAIT_MS = 3_000

/** One open connection as the peers view shows it. */
export interface PeerSnapshot {
  peerId: string
  addrs: string[]
  direction: 'inbound' | 'outbound'
  relayed: boolean
  latencyMs: number | null
  bytesIn: number
  bytesOut: number
  since: number
}

export interface EngineConfig {
  dataDir: string
  /** Used as given; absent: all interfaces, on the port kept in the data folder. */
  listen?: string[]
  encrypters?: Encrypter[]
  /** Bootstrap peers for this run; they are remembered in the data folder. */
  bootstrap?: string[]
  /** Find peers on the LAN with multicast DNS (default on). */
  mdns?: boolean
  /** Also join the public IPFS Amino DHT. */
  publicDht?: boolean
  /** Bytes per second, 0 for none: the whole node's upload and download. */
  upLimit?: number
  downLimit?: number
  /** Client-server mode for benchmarks: downloads use only the given peers and serve nobody. */
  leechOnly?: boolean
  /** A hub to fall back on (multiaddr ending in /p2p/<id>): tracker, relay and store. */
  hub?: string
  /** Run as a hub: relay, tracker and (optionally) store for others. */
  hubServer?: HubServerConfig
}

export interface HubServerConfig {
  relay: RelayLimits
  /** Keep pushed shares for allow-listed peers (absent: no store). */
  store?: StoreLimits
  /** Serve the DHT (default). Off only to test the tracker fallback. */
  dhtServer?: boolean
}

export interface ShareOptions {
  onProgress?: (p: HashProgress) => void
  signal?: AbortSignal
  /** Limit the share to these peer IDs. */
  allow?: string[]
  /** Limit it to holders of a secret carried in its link (a capability). */
  secret?: boolean
}

export interface ShareResult extends AddShareResult {
  link: string
}

export interface GetOptions extends Omit<DownloadRequest, 'cid' | 'peers' | 'addrs' | 'leechOnly'> {
  /** Extra peers: multiaddrs (with or without /p2p/<id>) or bare peer IDs. */
  peers?: string[]
}

export { DEFAULT_LISTEN } from './node/listen-port.js'

/**
 * The P2P engine: one libp2p node, what it shares, and what it downloads.
 * Plain Node, no Electron; every front end (CLI, daemon, app) drives this.
 */
export class Engine {
  private readonly timers: NodeJS.Timeout[] = []
  private readonly active = new Map<string, ActiveDownload>()
  private readonly downLimit: RateLimit
  private readonly rtt = new Map<string, { ms: number | null, at: number }>()
  /** Downloaders being served right now: a change of a share's access is checked against each. */
  private readonly slots = new Set<UploadSlot>()
  private readonly changeListeners = new Set<(share: ShareRecord) => void>()
  /** Misbehaviour points per peer; crossing the line bans. */
  scores!: PeerScores
  /** The hub named in the config (--hub, Settings), if any. */
  private readonly namedHub?: HubRef
  /** On a hub: who holds what (the tracker) and what was pushed (the store). */
  trackerTable?: TrackerTable
  storeLedger?: StoreLedger
  /** Set when the port kept in the data folder was taken at start and another one was chosen. */
  portChanged?: PortChange

  private constructor (
    readonly node: SwarmNode,
    readonly dataDir: string,
    readonly shares: ShareStore,
    readonly bans: BanList,
    readonly feed: SwarmFeed,
    readonly registry: SwarmRegistry,
    private readonly library: Library,
    private readonly reader: FileHandleCache,
    private readonly cfg: EngineConfig,
    private readonly upBucket: TokenBucket,
    private readonly downBucket: TokenBucket,
    hub?: HubRef
  ) {
    this.downLimit = new RateLimit([downBucket])
    this.namedHub = hub
  }

  static async create (cfg: EngineConfig): Promise<Engine> {
    await mkdir(cfg.dataDir, { recursive: true })
    const key = await loadOrCreateIdentity(cfg.dataDir)
    const shares = new ShareStore(cfg.dataDir)
    await shares.load()
    const bans = new BanList(cfg.dataDir)
    await bans.load()
    const nodeRef: { node?: SwarmNode } = {}
    const scores = new PeerScores(bans, async id => { await nodeRef.node?.hangUp(peerIdFromString(id)) }, (id, reason) => { logger('banned %s: %s', id, reason) })
    const penalize = async (peer: PeerId, err: Error): Promise<void> => { await scores.penalize(peer.toString(), 'violation', err.message) }
    const bootstrap = new BootstrapList(cfg.dataDir)
    await bootstrap.load()
    if (cfg.bootstrap != null && cfg.bootstrap.length > 0) await bootstrap.add(cfg.bootstrap)
    const reader = new FileHandleCache()
    const library = new Library()
    const registry = new SwarmRegistry()
    const served = new Map<string, ServedContent>()
    const sharedFiles = new SharedFileReader(reader)
    library.addSource({
      // A file that changed takes its share out of service at once; the engine then tells everyone.
      get: cid => servedShare(shares, sharedFiles, served, cid, err => { ref.engine?.shareChanged(cid, err) }),
      whyGone: cid => shares.get(cid)?.changed != null ? SHARE_CHANGED_MESSAGE : undefined
    })

    const upBucket = new TokenBucket(cfg.upLimit ?? 0)
    const downBucket = new TokenBucket(cfg.downLimit ?? 0)
    const upLimit = new RateLimit([upBucket])
    // The upload policy needs the engine, which needs the node it configures.
    const ref: { engine?: Engine } = {}
    const choker = new Choker(slot => {
      // Tit-for-tat: what a peer gave us counts double what it took.
      return 2 * (round.received.get(slot.peerId) ?? 0) + (round.sent.get(slot.peerId) ?? 0)
    })
    let round = registry.takeRound()

    const hub = cfg.hub != null && cfg.hub !== '' ? parseHub(cfg.hub) : undefined
    const table = cfg.hubServer != null ? new TrackerTable() : undefined
    const ledger = cfg.hubServer?.store != null ? new StoreLedger(cfg.dataDir, cfg.hubServer.store) : undefined
    await ledger?.load()
    const planned = await resolveListen({ dataDir: cfg.dataDir, configured: cfg.listen })
    const listen = planned.listen
    // With a hub, also be reachable through its relay: a reservation gives us a /p2p-circuit address.
    if (hub != null && cfg.hubServer == null) listen.push('/p2p-circuit')

    const node = await createNode({
      privateKey: key,
      listen,
      tracker: { table },
      // With no hub named, the first peer found to speak the hub protocols becomes ours; a hub needs none.
      hubFinder: { enabled: hub == null && cfg.hubServer == null, onFound: () => { void ref.engine?.useFoundHub() } },
      store: { accept: ledger != null ? async (cid, pusher, signal) => await ref.engine!.acceptPush(cid, pusher, signal) : undefined },
      relay: cfg.hubServer != null ? new RelayBudget(cfg.hubServer.relay) : undefined,
      dhtClientOnly: cfg.hubServer?.dhtServer === false,
      content: library,
      isBanned: id => bans.isBanned(id),
      encrypters: cfg.encrypters,
      mdns: cfg.mdns ?? true,
      publicDht: cfg.publicDht,
      uploads: {
        open: (slot: UploadSlot) => {
          ref.engine?.slots.add(slot)
          registry.touch(slot.cid, slot.peerId)
          ref.engine?.active.get(slot.cid)?.offer(slot.peerId)
          return choker.add(slot)
        },
        close: slot => { choker.remove(slot); ref.engine?.slots.delete(slot) },
        beforeSend: async (_slot, bytes, signal) => { await upLimit.take(bytes, signal) },
        uploaded: (slot, bytes) => { registry.countSent(slot.peerId, bytes) }
      },
      // A private share is listed only to peers on its list; a secret share to nobody (its link is the way in).
      catalog: { entries: peer => shares.list().filter(s => s.changed == null && (!isPrivate(s.access) || s.access.allow.includes(peer.toString()))).map(catalogEntry) },
      onViolation: (peer, err) => { void penalize(peer, err) },
      pex: {
        swarmPeers: async (cid, asker) => {
          const out: PeerHint[] = []
          // Who is in a private swarm is told only to its members (peers that got in past the access check).
          const access = library.get(cid)?.access
          if (isPrivate(access) && !registry.peers(cid, '').includes(asker.toString())) return out
          for (const id of registry.peers(cid, asker.toString())) {
            const peer = await node.peerStore.get(peerIdFromString(id)).catch(() => null)
            const addrs = (peer?.addresses ?? []).map(a => a.multiaddr.toString())
            if (addrs.length > 0) out.push({ peerId: id, addrs })
          }
          return out
        }
      }
    })
    const feed = new SwarmFeed(node.services.pubsub, log('feed'))
    nodeRef.node = node
    const engine = new Engine(node, cfg.dataDir, shares, bans, feed, registry, library, reader, cfg, upBucket, downBucket, hub)
    engine.trackerTable = table
    engine.scores = scores
    engine.storeLedger = ledger
    engine.portChanged = planned.changed
    ref.engine = engine
    // Files that changed while we were not running: those shares are not announced, listed or served.
    await engine.checkShares()
    // Every node: a hub may be found after start (announceToTracker does nothing without one).
    engine.timers.push(setInterval(() => { void engine.announceToTracker() }, ANNOUNCE_EVERY_MS))
    if (table != null) engine.timers.push(setInterval(() => { engine.announceStoreToSelf() }, ANNOUNCE_EVERY_MS))

    engine.timers.push(setInterval(() => {
      round = registry.takeRound()
      choker.rechoke()
    }, RECHOKE_MS))
    engine.timers.push(setInterval(() => { void engine.announceAll() }, REPROVIDE_MS))
    engine.timers.push(setInterval(() => { void engine.checkShares() }, CHECK_SHARES_MS))
    engine.timers.push(setInterval(() => { void engine.publishPresence() }, PRESENCE_MS))

    // A newcomer to a swarm hears at once who seeds it, instead of at the next presence round.
    const greeted = new Map<string, number>()
    feed.onMemberJoined(cid => {
      const share = shares.get(cid)
      if (share == null || share.changed != null || Date.now() - (greeted.get(cid) ?? 0) < GREET_MS) return
      greeted.set(cid, Date.now())
      const n = pieceCount(share.manifest)
      setTimeout(() => { void feed.publish(cid, { type: 'presence', name: share.manifest.name, have: n, total: n, seeding: true }) }, GREET_DELAY_MS)
    })

    // LAN peers found by mDNS are dialled so they join our DHT and swarms.
    node.addEventListener('peer:discovery', evt => {
      if (node.getConnections().length >= MAX_AUTODIAL_CONNECTIONS) return
      if (bans.isBanned(evt.detail.id.toString())) return
      void node.dial(evt.detail.id).catch(() => {})
    })

    // A node that started alone (no bootstrap) announces its shares once it meets someone.
    let lastAnnounce = 0
    node.addEventListener('peer:connect', () => {
      if (Date.now() - lastAnnounce < ANNOUNCE_ON_CONNECT_MS) return
      lastAnnounce = Date.now()
      void engine.announceAll()
    })

    const list = [...bootstrap.list(), ...(hub != null ? [hub.addr.toString()] : []), ...(cfg.publicDht === true ? PUBLIC_BOOTSTRAP : [])]
    const reached = await engine.connectBootstrap(list)
    // A bootstrap peer may be a hub: learn what it speaks, so a share is reachable through its relay when its link is printed.
    await node.services.hubFinder.settle(reached, IDENTIFY_WAIT_MS)
    if (engine.hub != null && cfg.hubServer == null) await engine.waitForReservation()
    if (table != null) engine.announceStoreToSelf()
    void engine.announceToTracker()
    for (const share of shares.list()) if (!isPrivate(share.access) && share.changed == null) feed.join(share.cid)
    void engine.announceAll()
    logger('node %p listening on %a', node.peerId, node.getMultiaddrs())
    return engine
  }

  get peerId (): string {
    return this.node.peerId.toString()
  }

  /** The hub we fall back on: the one named, else the first peer found to be one (a bootstrap peer, say). */
  get hub (): HubRef | undefined {
    return this.namedHub ?? this.node.services.hubFinder.hub
  }

  /** Full dialable addresses, each ending in /p2p/<peerId>. */
  addrs (): string[] {
    return this.node.getMultiaddrs().map(a => a.toString())
  }

  async share (paths: readonly string[], opts: ShareOptions = {}): Promise<ShareResult> {
    const access: ShareAccess = { allow: [...new Set(opts.allow ?? [])], secret: opts.secret === true ? newSecret() : null }
    const result = await this.shares.add(paths, opts.onProgress, opts.signal, access)
    await this.announce(result.share)
    void this.announceToTracker([result.share.cid])
    return { ...result, link: this.linkFor(result.share) }
  }

  /**
   * Changes who may fetch a share: `secret: 'rotate'` issues a new secret (old
   * links stop working), `null` drops it. Downloaders being served right now
   * are checked again and cut off if they no longer qualify.
   */
  async setShareAccess (cid: string, change: { allow?: string[], secret?: 'rotate' | null }): Promise<ShareRecord> {
    const share = this.shares.get(cid)
    if (share == null) throw new UsageError(`not sharing ${cid}`)
    const before = share.access ?? PUBLIC
    const access: ShareAccess = {
      allow: change.allow != null ? [...new Set(change.allow)] : before.allow,
      secret: change.secret === undefined ? before.secret : change.secret === 'rotate' ? newSecret() : null
    }
    const updated = await this.shares.setAccess(cid, access)
    let cut = 0
    for (const slot of this.slots) {
      if (slot.cid !== cid || mayAccess(access, cid, slot.peerId, this.peerId, slot.proof)) continue
      slot.deny('the sharer revoked this access')
      this.slots.delete(slot)
      cut++
    }
    logger('access to %s changed (%d allowed, secret %s); %d downloader(s) cut off', cid, access.allow.length, access.secret == null ? 'none' : 'set', cut)
    if (isPrivate(before) && !isPrivate(access)) await this.announce(updated)
    if (!isPrivate(before) && isPrivate(access)) this.feed.leave(cid)
    return updated
  }

  /** Bans in force and peers with points against them. */
  trust (): { bans: Ban[], penalties: PeerPenalty[] } {
    return { bans: this.bans.list(), penalties: this.scores.list() }
  }

  async unban (peerId: string): Promise<boolean> {
    const was = this.bans.isBanned(peerId)
    await this.bans.unban(peerId)
    return was
  }

  linkFor (share: ShareRecord): string {
    // Direct addresses first; relayed ones (through our hub) last, for peers that cannot reach us directly.
    const all = this.addrs()
    const addrs = [...all.filter(a => !a.includes('/p2p-circuit')), ...all.filter(a => a.includes('/p2p-circuit'))]
    return formatLink({ cid: share.cid, name: share.manifest.name, peers: [{ peerId: this.peerId, addrs }], secret: share.access?.secret ?? undefined })
  }

  /** Downloads `target` (a link or a bare CID) into opts.outDir. */
  async get (target: string, opts: GetOptions): Promise<DownloadOutcome> {
    const link = parseLink(target)
    const { hints, addrs } = peerHints(link.peers, opts.peers ?? [])
    if (hints.length === 0 && addrs.length === 0) await this.waitForLan(opts.signal)
    return await runDownload(
      // Read live: a hub found while the download runs serves its later fallbacks.
      { node: this.node, dataDir: this.dataDir, library: this.library, bans: this.bans, scores: this.scores, registry: this.registry, feed: this.feed, active: this.active, downLimit: this.downLimit, hub: () => this.hub, log: log('download') },
      { ...opts,
        onStarted: view => {
          // A leecher is a holder too: others may fetch its verified pieces.
          if (this.cfg.leechOnly !== true && link.secret == null) void this.announceToTracker([link.cid])
          opts.onStarted?.(view)
        }, cid: parseCid(link.cid), peers: hints.filter(h => h.peerId !== this.peerId), addrs, leechOnly: this.cfg.leechOnly, secret: link.secret }
    )
  }

  /**
   * Hands a running download of the link's content the link's peers (a link
   * pasted again): they are tried at once. False when it is not running.
   */
  joinDownload (target: string, peers: string[] = []): boolean {
    const link = parseLink(target)
    const running = this.active.get(link.cid)
    if (running == null) return false
    running.addHints(peerHints(link.peers, peers).hints.filter(h => h.peerId !== this.peerId))
    return true
  }

  /** Keeps serving a finished download, with no rehash. */
  async seed (outcome: DownloadOutcome, mtimes: number[]): Promise<ShareRecord> {
    // A private share stays private in the hands of those it was given to.
    const share = await this.shares.addVerified(outcome.manifest, outcome.files, mtimes, outcome.secret != null ? { allow: [], secret: outcome.secret } : PUBLIC)
    if (this.cfg.leechOnly !== true) await this.announce(share)
    return share
  }

  /** What `peer` (a peer ID, found through the DHT, or a multiaddr) shares. */
  async browse (peer: string, signal?: AbortSignal): Promise<{ peerId: string, entries: CatalogEntry[] }> {
    const parsed = parsePeerArg(peer)
    let id: PeerId
    if (parsed.peerId != null) {
      id = peerIdFromString(parsed.peerId)
      if (parsed.addr != null) {
        await dialPeer(this.node, parsed.peerId, [multiaddr(parsed.addr)], signal)
      } else if (this.node.getConnections(id).length === 0) {
        await this.findAndDial(id, signal)
      }
    } else {
      const conn = await this.node.dial(multiaddr(parsed.addr!), { signal }).catch((err: unknown) => {
        throw new PeerUnreachableError(`cannot reach ${parsed.addr}: ${(err as Error).message}`, err)
      })
      id = conn.remotePeer
    }
    return { peerId: id.toString(), entries: await this.node.services.catalog.fetch(id, { signal }) }
  }

  listShares (): ShareRecord[] {
    return this.shares.list()
  }

  /** Stops sharing: the files stay on disk, peers can no longer fetch them from us. */
  async removeShare (cid: string): Promise<boolean> {
    const removed = await this.shares.remove(cid)
    if (removed && !this.active.has(cid)) this.feed.leave(cid)
    return removed
  }

  /**
   * Shares a changed share's files again as they are now (same name, layout and
   * access): a new share, with a new content ID unless nothing really changed,
   * that takes the old one's place.
   */
  async reshare (cid: string, opts: Pick<ShareOptions, 'onProgress' | 'signal'> = {}): Promise<ShareResult> {
    const old = this.shares.get(cid)
    if (old == null) throw new UsageError(`not sharing ${cid}`)
    // Handles kept open may be on the files that were there before.
    for (const f of old.files) this.reader.forget(f)
    const result = await this.shares.rehash(cid, opts.onProgress, opts.signal)
    if (result.share.cid !== cid) await this.removeShare(cid)
    await this.announce(result.share)
    void this.announceToTracker([result.share.cid])
    return { ...result, link: this.linkFor(result.share) }
  }

  /** Tells `listener` about each share taken out of service because a file of it changed on disk. */
  onShareChanged (listener: (share: ShareRecord) => void): () => void {
    this.changeListeners.add(listener)
    return () => { this.changeListeners.delete(listener) }
  }

  /** Looks at every served share's files on disk; those that changed are taken out of service. */
  async checkShares (): Promise<void> {
    for (const rec of this.shares.list()) {
      if (rec.changed != null) continue
      for (const [i, file] of rec.files.entries()) {
        const change = compareStamp(rec.stamps[i]!, await stat(file).catch(() => null))
        if (change == null) continue
        this.shareChanged(rec.cid, new ShareChangedError(file, change.kind, change.reason))
        break
      }
    }
  }

  /**
   * A file of a share is not the one hashed: nothing more is served from it.
   * The flag is set at once (no piece goes out after this), then everyone
   * hears: downloaders being served, the swarm feed, the DHT, the UI and CLI.
   */
  private shareChanged (cid: string, err: ShareChangedError): void {
    const rec = this.shares.get(cid)
    if (rec == null || rec.changed != null) return
    logger('share %s changed on disk: %s (%s); no longer served', cid, err.file, err.reason)
    const marked = this.shares.markChanged(cid, { file: err.file, kind: err.kind, reason: err.reason, at: Date.now() })
    for (const slot of this.slots) {
      if (slot.cid !== cid) continue
      slot.withdraw(SHARE_CHANGED_MESSAGE)
      this.slots.delete(slot)
    }
    if (!this.active.has(cid)) this.feed.leave(cid)
    // Provider records already out expire by themselves; we stop renewing ours. The tracker's expire too.
    void this.node.contentRouting.cancelReprovide(CID.parse(cid)).catch((e: unknown) => { logger('cancel reprovide %s: %s', cid, (e as Error).message) })
    // Told once it is on disk, or failed to be: either way it is out of service for this run.
    void marked.catch((e: unknown) => { logger.error('could not record that %s changed: %e', cid, e) }).then(() => {
      const share = this.shares.get(cid)
      if (share?.changed != null) for (const l of this.changeListeners) l(share)
    })
  }

  /** Forgets an unfinished download: its state and its `.part` files. */
  async discardDownload (cid: string, outDir: string): Promise<void> {
    await discardDownload(this.dataDir, cid, outDir)
  }

  /** Bytes per second, 0 for none; takes effect at once. */
  setLimits (limits: { up?: number, down?: number }): void {
    if (limits.up != null) this.upBucket.setRate(limits.up)
    if (limits.down != null) this.downBucket.setRate(limits.down)
  }

  /** Piece bytes each way since start. */
  totals (): { received: number, sent: number } {
    return this.registry.allTotals()
  }

  /** Open connections, one row per peer, with latency measured in the background. */
  peers (): PeerSnapshot[] {
    const byPeer = new Map<string, PeerSnapshot>()
    for (const c of this.node.getConnections()) {
      const id = c.remotePeer.toString()
      const relayed = c.limits != null || c.remoteAddr.toString().includes('/p2p-circuit')
      const row = byPeer.get(id)
      if (row != null) {
        row.addrs.push(c.remoteAddr.toString())
        row.relayed = row.relayed && relayed
        continue
      }
      const t = this.registry.totals(id)
      byPeer.set(id, { peerId: id, addrs: [c.remoteAddr.toString()], direction: c.direction, relayed, latencyMs: this.latency(c.remotePeer), bytesIn: t.received, bytesOut: t.sent, since: c.timeline.open })
    }
    return [...byPeer.values()]
  }

  private latency (peer: PeerId): number | null {
    const id = peer.toString()
    const known = this.rtt.get(id)
    if (known == null || Date.now() - known.at > PING_EVERY_MS) {
      this.rtt.set(id, { ms: known?.ms ?? null, at: Date.now() })
      this.node.services.ping.ping(peer, { signal: AbortSignal.timeout(PING_TIMEOUT_MS) })
        .then(ms => { this.rtt.set(id, { ms, at: Date.now() }) }, () => {})
    }
    if (this.rtt.size > 1000) for (const k of this.rtt.keys()) { if (this.node.getConnections(peerIdFromString(k)).length === 0) this.rtt.delete(k) }
    return known?.ms ?? null
  }

  /**
   * Asks the hub to keep a copy of a share, so it stays downloadable while we
   * are offline. Resolves once the hub holds every piece.
   */
  async push (cid: string, hubAddr?: string, signal?: AbortSignal): Promise<number> {
    const hub = hubAddr != null ? parseHub(hubAddr) : this.hub
    if (hub == null) throw new UsageError('no hub to push to: pass --hub <multiaddr>')
    const share = this.shares.get(cid)
    if (share == null) throw new UsageError(`not sharing ${cid}`)
    if (isPrivate(share.access)) throw new UsageError('a private share cannot be pushed: the hub serves its store to anyone with the content ID')
    if (share.changed != null) throw new UsageError(`cannot push "${share.manifest.name}": ${share.changed.file} changed on disk; share it again first`)
    await dialPeer(this.node, hub.peerId, [hub.addr], signal)
    return await this.node.services.store.push(peerIdFromString(hub.peerId), parseCid(cid), { signal })
  }

  /** On a hub: a push from `pusher`. Checks the allow-list and quotas, pulls every piece, verifies it, and serves it. */
  async acceptPush (cid: CID, pusher: PeerId, signal: AbortSignal): Promise<{ bytes: number }> {
    const ledger = this.storeLedger
    if (ledger == null) throw new UsageError('this hub keeps no store')
    const owner = pusher.toString()
    const text = cid.toString()
    ledger.check(owner, text, 0)
    const existing = this.shares.get(text)
    if (existing != null && ledger.has(text)) return { bytes: totalSize(existing.manifest) }
    const { manifest } = await this.node.services.manifest.fetch(pusher, cid, { signal })
    const bytes = totalSize(manifest)
    ledger.check(owner, text, bytes)
    logger('storing %s (%d bytes) pushed by %p', text, bytes, pusher)
    const outcome = await runDownload(
      { node: this.node, dataDir: this.dataDir, library: this.library, bans: this.bans, scores: this.scores, registry: this.registry, feed: this.feed, active: this.active, downLimit: this.downLimit, hub: () => undefined, log: log('store') },
      { cid, outDir: join(this.dataDir, 'store', text), peers: [{ peerId: owner, addrs: [] }], addrs: [], leechOnly: true, signal }
    )
    const mtimes = await Promise.all(outcome.files.map(async f => (await stat(f)).mtimeMs))
    const share = await this.shares.addVerified(outcome.manifest, outcome.files, mtimes)
    await ledger.record(owner, text, bytes)
    await this.announce(share)
    this.announceStoreToSelf()
    return { bytes }
  }

  /** Tells the hub's tracker what we hold (all shares, or just `cids`). */
  async announceToTracker (cids?: string[]): Promise<void> {
    if (this.hub == null || this.cfg.leechOnly === true) return
    const list = (cids ?? [...this.shares.list().map(s => s.cid), ...this.active.keys()]).filter(c => this.shares.get(c)?.changed == null && !isPrivate(this.library.get(c)?.access))
    if (list.length === 0) return
    const addrs = this.addrs()
    try {
      await this.node.services.tracker.announce(peerIdFromString(this.hub.peerId), list, [...addrs.filter(a => a.includes('/p2p-circuit')), ...addrs.filter(a => !a.includes('/p2p-circuit'))].slice(0, 8))
    } catch (err) {
      logger('tracker announce failed: %s', (err as Error).message)
    }
  }

  /** On a hub: what its store holds is listed in its own tracker, as held by the hub. */
  announceStoreToSelf (): void {
    if (this.trackerTable == null || this.storeLedger == null) return
    this.trackerTable.announce(this.peerId, this.storeLedger.cids().filter(c => this.shares.get(c) != null), this.addrs())
  }

  /** A hub found after start: once reachable through its relay, tell its tracker what we hold. */
  private async useFoundHub (): Promise<void> {
    await this.waitForReservation()
    await this.announceToTracker()
  }

  private async waitForReservation (): Promise<void> {
    const until = Date.now() + RESERVATION_WAIT_MS
    while (Date.now() < until && !this.addrs().some(a => a.includes('/p2p-circuit'))) {
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    if (!this.addrs().some(a => a.includes('/p2p-circuit'))) logger('no relay reservation on the hub yet; reachable directly only')
  }

  /** Connections opening and closing: a hub logs one line for each. */
  onConnection (listener: (e: { type: 'open' | 'close', peerId: string, addr: string, direction: 'inbound' | 'outbound', relayed: boolean }) => void): () => void {
    const open = (evt: CustomEvent<Connection>): void => { listener({ type: 'open', ...describe(evt.detail) }) }
    const close = (evt: CustomEvent<Connection>): void => { listener({ type: 'close', ...describe(evt.detail) }) }
    this.node.addEventListener('connection:open', open)
    this.node.addEventListener('connection:close', close)
    return () => {
      this.node.removeEventListener('connection:open', open)
      this.node.removeEventListener('connection:close', close)
    }
  }

  onFeed (listener: (item: FeedItem) => void): () => void {
    return this.feed.onItem(listener)
  }

  listBans (): Ban[] {
    return this.bans.list()
  }

  async stop (): Promise<void> {
    for (const t of this.timers) clearInterval(t)
    await this.node.stop()
    await this.reader.closeAll()
  }

  /** With nobody named and nobody connected, gives mDNS a moment to find the LAN. */
  private async waitForLan (signal?: AbortSignal, peer?: PeerId): Promise<void> {
    if (this.cfg.mdns === false) return
    const ready = (): boolean => peer != null ? this.node.getConnections(peer).length > 0 : this.node.getConnections().length > 0
    const until = Date.now() + MDNS_WAIT_MS
    while (Date.now() < until && !ready()) {
      signal?.throwIfAborted()
      await new Promise(resolve => setTimeout(resolve, 100))
    }
  }

  private async findAndDial (id: PeerId, signal?: AbortSignal): Promise<void> {
    // On a LAN, mDNS may find the peer itself (discovered peers are dialled as they appear).
    await this.waitForLan(signal, id)
    if (this.node.getConnections(id).length > 0) return
    if (!await hasDhtPeers(this.node)) throw new PeerUnreachableError(`cannot look up peer ${id.toString()}: not connected to anyone (pass --bootstrap, or a multiaddr instead of a bare peer ID)`)
    const { signal: lookup, clear } = deadline(FIND_PEER_TIMEOUT_MS, signal)
    try {
      const info = await this.node.peerRouting.findPeer(id, { signal: lookup })
      await dialPeer(this.node, id.toString(), info.multiaddrs, signal)
    } catch (err) {
      if (err instanceof PeerUnreachableError) throw err
      throw new PeerUnreachableError(`could not find peer ${id.toString()} (${(err as Error).message}); is it online, and do you share a bootstrap peer?`, err)
    } finally {
      clear()
    }
  }

  /** Dials the bootstrap peers; resolves to those that answered. */
  private async connectBootstrap (list: string[]): Promise<PeerId[]> {
    const dials = list.map(async (a): Promise<PeerId | undefined> => {
      let ma: Multiaddr
      try { ma = multiaddr(a) } catch { return }
      const id = ma.getComponents().findLast(c => c.name === 'p2p')?.value
      if (id == null) return
      // Kept alive: the connection manager redials it if it drops.
      await this.node.peerStore.merge(peerIdFromString(id), { multiaddrs: [ma], tags: { [KEEP_ALIVE]: { value: 1 } } }).catch(() => {})
      return await this.node.dial(ma, { signal: AbortSignal.timeout(BOOTSTRAP_WAIT_MS) }).then(c => c.remotePeer, (err: unknown) => { logger('bootstrap %s unreachable: %s', a, (err as Error).message); return undefined })
    })
    return (await Promise.all(dials)).filter(p => p != null)
  }

  private async announce (share: ShareRecord): Promise<void> {
    // A private share's content ID stays between its sharer and those it let in.
    if (isPrivate(share.access) || share.changed != null) return
    this.feed.join(share.cid)
    void this.feed.publish(share.cid, { type: 'share', ...catalogEntry(share) })
    if (this.cfg.leechOnly === true) return
    // Providing needs DHT peers; with none yet it would wait, so it waits for the next round instead.
    if (!await hasDhtPeers(this.node)) return
    void this.node.contentRouting.provide(CID.parse(share.cid)).catch((err: unknown) => { logger('provide %s: %s', share.cid, (err as Error).message) })
  }

  private async announceAll (): Promise<void> {
    for (const s of this.shares.list()) await this.announce(s)
  }

  private async publishPresence (): Promise<void> {
    for (const s of this.shares.list()) {
      if (isPrivate(s.access) || s.changed != null) continue
      const n = pieceCount(s.manifest)
      await this.feed.publish(s.cid, { type: 'presence', name: s.manifest.name, have: n, total: n, seeding: true })
    }
  }
}

function catalogEntry (s: ShareRecord): CatalogEntry {
  return { cid: s.cid, name: s.manifest.name, size: totalSize(s.manifest), files: s.manifest.files.length }
}

function servedShare (shares: ShareStore, files: SharedFileReader, cache: Map<string, ServedContent>, cid: string, onChanged: (err: ShareChangedError) => void): ServedContent | undefined {
  const rec = shares.get(cid)
  if (rec == null || rec.changed != null) { cache.delete(cid); return undefined }
  const hit = cache.get(cid)
  if (hit != null) return hit
  const layout = pieceLayout(rec.manifest)
  const served: ServedContent = {
    cid,
    manifestBytes: rec.manifestBytes,
    pieceCount: pieceCount(rec.manifest),
    pieceLength: index => layout.lengthOf[index]!,
    have: () => null,
    readPiece: async index => {
      // The record as it is now: shared again under the same CID, its files carry new stamps.
      const now = shares.get(cid) ?? rec
      if (now.changed != null) throw new ShareChangedError(now.changed.file, now.changed.kind, now.changed.reason)
      const f = layout.fileOf[index]!
      return await files.read(now.files[f]!, now.stamps[f]!, layout.offsetOf[index]!, layout.lengthOf[index]!).catch((err: unknown) => {
        if (err instanceof ShareChangedError) onChanged(err)
        throw err
      })
    },
    // Read at every request: a change of access applies to the next one.
    get access () { return shares.get(cid)?.access }
  }
  cache.set(cid, served)
  return served
}

function describe (c: Connection): { peerId: string, addr: string, direction: 'inbound' | 'outbound', relayed: boolean } {
  return { peerId: c.remotePeer.toString(), addr: c.remoteAddr.toString(), direction: c.direction, relayed: c.limits != null || c.remoteAddr.toString().includes('/p2p-circuit') }
}

function parseHub (addr: string): HubRef {
  let ma: Multiaddr
  try { ma = multiaddr(addr) } catch { throw new UsageError(`hub address "${addr}" is not a multiaddr`) }
  const id = ma.getComponents().findLast(c => c.name === 'p2p')?.value
  if (id == null) throw new UsageError(`hub address "${addr}" must end in /p2p/<peer ID>`)
  return { peerId: id, addr: ma }
}

/** A link's peers plus `--peer` arguments: hints by peer ID, and bare multiaddrs to dial. */
function peerHints (linkPeers: readonly PeerHint[], extra: readonly string[]): { hints: PeerHint[], addrs: string[] } {
  const hints: PeerHint[] = linkPeers.map(p => ({ peerId: p.peerId, addrs: [...p.addrs] }))
  const addrs: string[] = []
  for (const p of extra) {
    const parsed = parsePeerArg(p)
    if (parsed.peerId == null) { addrs.push(parsed.addr!); continue }
    const existing = hints.find(h => h.peerId === parsed.peerId)
    if (existing != null) { if (parsed.addr != null) existing.addrs.push(parsed.addr) } else hints.push({ peerId: parsed.peerId, addrs: parsed.addr != null ? [parsed.addr] : [] })
  }
  return { hints, addrs }
}

function parsePeerArg (arg: string): { peerId?: string, addr?: string } {
  const text = arg.trim()
  if (text.startsWith('/')) {
    let ma
    try {
      ma = multiaddr(text)
    } catch {
      throw new UsageError(`"${text}" is not a valid multiaddr`)
    }
    const id = ma.getComponents().findLast(c => c.name === 'p2p')?.value
    return id == null ? { addr: ma.toString() } : { peerId: id, addr: ma.toString() }
  }
  try {
    return { peerId: peerIdFromString(text).toString() }
  } catch {
    throw new UsageError(`"${text}" is neither a multiaddr nor a peer ID`)
  }
}
