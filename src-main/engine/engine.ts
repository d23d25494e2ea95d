import './polyfills.js'
import { peerIdFromString } from '@libp2p/peer-id'
import { mkdir } from 'node:fs/promises'
import type { CatalogEntry } from '../../shared/catalog.js'
import type { FeedItem } from '../../shared/feed.js'
import type { PeerInfo } from '../../shared/api.js'
import type { Connectivity } from '../../shared/connectivity.js'
import { TimeoutError } from '../../shared/errors.js'
import type { EngineConfig } from './config.js'
import { Library } from './content/library.js'
import type { DownloadOutcome } from './download/runner.js'
import type { ActiveDownload } from './swarm/active-downloads.js'
import type { HubRef } from './node/hub-ref.js'
import { HubStore } from './hub/hub-store.js'
import { StunServer } from './hub/stun-server.js'
import { pushToHub } from './hub/push.js'
import { RelayBudget } from './hub/relay-budget.js'
import { StoreLedger } from './hub/store-ledger.js'
import { log } from './base/log.js'
import { Connector, hubInUse, parseHub } from './node/connector.js'
import { createNode, type SwarmNode } from './node/create-node.js'
import { loadOrCreateIdentity } from './node/identity.js'
import { DirectUpgrader } from './node/direct-upgrader.js'
import { PortMapper } from './node/port-mapper.js'
import { Reachability } from './node/reachability.js'
import { resolveListen, type PortChange } from './node/listen-port.js'
import { BanList, type Ban } from './persistence/ban-list.js'
import { BootstrapList } from './persistence/bootstrap-list.js'
import { StateFiles } from './persistence/json-file.js'
import { ShareRecords, type ShareRecord } from './persistence/share-records.js'
import { PeerView, type ConnectionEvent } from './peers/peer-view.js'
import { swarmPeers } from './peers/swarm-peers.js'
import { TrackerTable } from './protocols/tracker/table.js'
import { Announcer } from './sharing/announcer.js'
import { catalogFor, Shares, type ShareOptions, type ShareResult } from './sharing/shares.js'
import { FileHandleCache } from './storage/file-cache.js'
import { SwarmFeed } from './swarm/feed.js'
import { SwarmRegistry } from './swarm/registry.js'
import { Downloads, type GetOptions } from './download/downloads.js'
import { Uploads, type UploadStats } from './serving/uploads.js'
import { PeerScores } from './trust/peer-scores.js'

const logger = log('engine')

/**
 * How long start waits for the hub's first dial-back. A public address known
 * before the first transfer is in the first identify peers get, so NATed
 * peers dial out to us at once; a public node's check takes a round trip or
 * two, and a NATed node's is not worth waiting for beyond this.
 */
const FIRST_CHECK_WAIT_MS = 1_500

export type { PeerInfo as PeerSnapshot } from '../../shared/api.js'
export type { ShareOptions, ShareResult } from './sharing/shares.js'
export type { GetOptions } from './download/downloads.js'
export type { EngineConfig, HubServerConfig } from './config.js'
export { DEFAULT_LISTEN } from './node/listen-port.js'

/** The engine's parts, built in dependency order by Engine.create. */
interface Parts {
  node: SwarmNode
  dataDir: string
  state: StateFiles
  store: ShareRecords
  bans: BanList
  scores: PeerScores
  feed: SwarmFeed
  registry: SwarmRegistry
  reader: FileHandleCache
  uploads: Uploads
  sharing: Shares
  announcer: Announcer
  connector: Connector
  downloads: Downloads
  peerView: PeerView
  reachability: Reachability
  portMapper: PortMapper
  upgrader: DirectUpgrader
  hubStore?: HubStore
  stun?: StunServer
  portChanged?: PortChange
}

/**
 * The P2P engine: one libp2p node, what it shares, and what it downloads.
 * Plain Node, no Electron; every front end (CLI, daemon, app) drives this.
 * A facade over startable parts, as kad-dht is over its routing table and
 * query manager: each gets what it needs in its constructor.
 */
export class Engine {
  private constructor (private readonly parts: Parts) {}

  get node (): SwarmNode { return this.parts.node }
  get dataDir (): string { return this.parts.dataDir }
  /** The data folder's state files: which were found damaged, and a way to hear of the next. */
  get state (): StateFiles { return this.parts.state }
  get shareRecords (): ShareRecords { return this.parts.store }
  get bans (): BanList { return this.parts.bans }
  get feed (): SwarmFeed { return this.parts.feed }
  get registry (): SwarmRegistry { return this.parts.registry }
  /** Misbehaviour points per peer; crossing the line bans. */
  get scores (): PeerScores { return this.parts.scores }
  /** Set when the port kept in the data folder was taken at start and another one was chosen. */
  get portChanged (): PortChange | undefined { return this.parts.portChanged }

  static async create (cfg: EngineConfig): Promise<Engine> {
    const { dataDir } = cfg
    await mkdir(dataDir, { recursive: true })
    const privateKey = await loadOrCreateIdentity(dataDir)
    const state = cfg.state ?? new StateFiles(dataDir)
    const store = new ShareRecords(state)
    await store.load()
    const bans = new BanList(state)
    await bans.load()
    const bootstrap = new BootstrapList(state)
    await bootstrap.load()
    if (cfg.bootstrap != null && cfg.bootstrap.length > 0) await bootstrap.add(cfg.bootstrap)
    const hubServer = cfg.hubServer
    const ledger = hubServer?.store != null ? new StoreLedger(state, hubServer.store) : undefined
    await ledger?.load()
    const table = hubServer != null ? new TrackerTable() : undefined
    const namedHub = cfg.hub != null && cfg.hub !== '' ? parseHub(cfg.hub) : undefined
    const planned = await resolveListen({ dataDir, configured: cfg.listen })
    // With a hub, also be reachable through its relay (a reservation gives us a /p2p-circuit
    // address), and by WebRTC hole punching signalled through it.
    const webrtc = hubServer == null && cfg.holePunching !== false
    if (namedHub != null && hubServer == null) planned.listen.push('/p2p-circuit', ...(webrtc ? ['/webrtc'] : []))

    // What the node's protocols consult exists before the node: the library, the swarms and the upload policy.
    const library = new Library()
    const registry = new SwarmRegistry()
    const active = new Map<string, ActiveDownload>()
    const uploads = new Uploads({ registry, active }, { upLimit: cfg.upLimit ?? 0 })
    // The callbacks below run only once the node is up and the parts after it are built.
    const scores = new PeerScores(bans, async id => { await node.hangUp(peerIdFromString(id)) }, (id, reason) => { logger('banned %s: %s', id, reason) })
    const node: SwarmNode = await createNode({
      privateKey,
      listen: planned.listen,
      tracker: { table },
      // With no hub named, the first peer found to speak the hub protocols becomes ours; a hub needs none.
      hubFinder: { enabled: namedHub == null && hubServer == null, webrtc },
      webrtc: webrtc ? { stunServers: () => stunServersOf(hubInUse(node, namedHub)), mayPunch: addr => upgrader.mayPunch(addr) } : undefined,
      // The hub store is built right after the node; a push in that gap is refused, and the pusher retries.
      store: {
        accept: ledger != null
          ? async (cid, pusher, signal) => {
            if (hubStore == null) throw new TimeoutError('the hub store is still starting; try again')
            return await hubStore.acceptPush(cid, pusher, signal)
          }
          : undefined
      },
      relay: hubServer != null ? new RelayBudget(hubServer.relay) : undefined,
      dhtClientOnly: hubServer?.dhtServer === false,
      content: library,
      isBanned: id => bans.isBanned(id),
      encrypters: cfg.encrypters,
      mdns: cfg.mdns ?? true,
      publicDht: cfg.publicDht,
      protocolLimits: cfg.protocolLimits,
      uploads: uploads.policy,
      catalog: { entries: peer => catalogFor(store, peer) },
      onViolation: (peer, err) => { void scores.penalize(peer.toString(), 'violation', err.message) },
      pex: { swarmPeers: async (cid, asker) => await swarmPeers(node, library, registry, cid, asker.toString()) }
    })

    // Built in one synchronous run after the node, so nothing it serves finds a part missing.
    const feed = new SwarmFeed(node.services.pubsub, log('feed'))
    const reader = new FileHandleCache()
    const leechOnly = cfg.leechOnly === true
    const announcer = new Announcer({ node, feed, shares: store, library, active, hub: () => hubInUse(node, namedHub) }, { leechOnly })
    const sharing = new Shares({ node, store, reader, library, feed, announcer, uploads, active })
    const connector = new Connector(
      { node, bans, bootstrap: bootstrap.list(), namedHub, onHubReady: async () => { await announcer.announceToTracker() } },
      { mdns: cfg.mdns !== false, publicDht: cfg.publicDht === true, isHub: hubServer != null }
    )
    const downloads = new Downloads({ node, state, library, bans, scores, registry, feed, shares: store, active, connector, announcer }, { downLimit: cfg.downLimit ?? 0, leechOnly })
    const hubStore = ledger != null && table != null ? new HubStore({ node, dataDir, shares: store, ledger, table, downloads, announcer }) : undefined
    const peerView = new PeerView({ node, registry })
    const stun = hubServer != null ? stunServerFor(planned.listen, node.services.selfAddresses.listenPorts()) : undefined
    await stun?.start()
    const portMapper = new PortMapper(
      { self: node.services.selfAddresses, onChange: () => { reachability.mappingChanged() } },
      { enabled: cfg.portMapping !== false && hubServer == null, limits: cfg.mappingLimits, description: `Swarmdrop ${node.peerId.toString().slice(-8)}` }
    )
    const upgrader = new DirectUpgrader({ node }, { webrtc, onPunch: ok => { reachability.notePunch(ok) } })
    const reachability = new Reachability({ node, hub: () => hubInUse(node, namedHub), mapping: () => portMapper.mapping() }, { isHub: hubServer != null })

    uploads.start()
    await sharing.start()
    announcer.start()
    // Before the connector: the hub's identify, on the first connection, starts the first check.
    reachability.start()
    portMapper.start()
    upgrader.start()
    await connector.start()
    await reachability.settled(FIRST_CHECK_WAIT_MS)
    hubStore?.start()
    announcer.announceEverywhere()
    logger('node %p listening on %a', node.peerId, node.getMultiaddrs())
    return new Engine({
      node, dataDir, state, store, bans, scores, feed, registry, reader, uploads, sharing, announcer, connector, downloads, peerView,
      reachability, portMapper, upgrader, hubStore, stun, portChanged: planned.changed
    })
  }

  get peerId (): string { return this.node.peerId.toString() }
  /** The hub we fall back on: the one named, else the first peer found to be one (a bootstrap peer, say). */
  get hub (): HubRef | undefined { return this.parts.connector.hub }
  /** Full dialable addresses, each ending in /p2p/<peerId>. */
  addrs (): string[] { return this.node.getMultiaddrs().map(a => a.toString()) }

  async share (paths: readonly string[], opts?: ShareOptions): Promise<ShareResult> { return await this.parts.sharing.share(paths, opts) }
  async setShareAccess (cid: string, change: { allow?: string[], secret?: 'rotate' | null }): Promise<ShareRecord> { return await this.parts.sharing.setShareAccess(cid, change) }
  linkFor (share: ShareRecord): string { return this.parts.sharing.linkFor(share) }
  listShares (): ShareRecord[] { return this.shareRecords.list() }
  async removeShare (cid: string): Promise<boolean> { return await this.parts.sharing.removeShare(cid) }
  async reshare (cid: string, opts?: Pick<ShareOptions, 'onProgress' | 'signal'>): Promise<ShareResult> { return await this.parts.sharing.reshare(cid, opts) }
  onShareChanged (listener: (share: ShareRecord) => void): () => void { return this.parts.sharing.onShareChanged(listener) }
  async checkShares (): Promise<void> { await this.parts.sharing.checkShares() }

  async get (target: string, opts: GetOptions): Promise<DownloadOutcome> { return await this.parts.downloads.get(target, opts) }
  joinDownload (target: string, peers?: string[]): boolean { return this.parts.downloads.joinDownload(target, peers) }
  async seed (outcome: DownloadOutcome, mtimes: number[]): Promise<ShareRecord> { return await this.parts.downloads.seed(outcome, mtimes) }
  /** A stopped download's verified pieces, from its saved state (bitfield bytes); null when none is saved. */
  async savedPieces (cid: string, outDir: string, pieces: number): Promise<Uint8Array | null> { return await this.parts.downloads.savedPieces(cid, outDir, pieces) }
  async discardDownload (cid: string, outDir: string): Promise<void> { await this.parts.downloads.discardDownload(cid, outDir) }
  async browse (peer: string, signal?: AbortSignal): Promise<{ peerId: string, entries: CatalogEntry[] }> { return await this.parts.downloads.browse(peer, signal) }

  /** Asks the hub (ours, or `hubAddr`) to keep a copy of a share; resolves once it holds every piece. */
  async push (cid: string, hubAddr?: string, signal?: AbortSignal): Promise<number> {
    return await pushToHub(this.node, this.shareRecords, hubAddr != null ? parseHub(hubAddr) : this.hub, cid, signal)
  }

  /** Bytes per second, 0 for none; takes effect at once. */
  setLimits (limits: { up?: number, down?: number }): void {
    if (limits.up != null) this.parts.uploads.setRate(limits.up)
    if (limits.down != null) this.parts.downloads.setRate(limits.down)
  }

  /** Piece bytes each way since start. */
  totals (): { received: number, sent: number } { return this.registry.allTotals() }
  /** Per share: bytes sent in this run and to whom. */
  uploadStats (): UploadStats[] { return this.parts.uploads.stats() }
  /** Open connections, one row per peer, with latency measured in the background. */
  peers (): PeerInfo[] { return this.parts.peerView.peers() }
  /** How the internet can reach us: addresses confirmed by the hub, the router's port mapping, the relay, hole punching. */
  connectivity (): Connectivity { return this.parts.reachability.connectivity() }
  /** Asks the hub to dial us back now (or joins the check under way) and resolves with what it found. */
  async checkReachability (): Promise<Connectivity> { return await this.parts.reachability.check() }
  onConnectivity (listener: (c: Connectivity) => void): () => void { return this.parts.reachability.onChange(listener) }
  /** Connections opening and closing: a hub logs one line for each. */
  onConnection (listener: (e: ConnectionEvent) => void): () => void { return this.parts.peerView.onConnection(listener) }
  onFeed (listener: (item: FeedItem) => void): () => void { return this.feed.onItem(listener) }

  listBans (): Ban[] { return this.bans.list() }
  async unban (peerId: string): Promise<boolean> {
    const was = this.bans.isBanned(peerId)
    await this.bans.unban(peerId)
    return was
  }

  async stop (): Promise<void> {
    const { hubStore, connector, announcer, sharing, uploads, reader, reachability, portMapper, upgrader, stun } = this.parts
    stun?.stop()
    upgrader.stop()
    reachability.stop()
    await portMapper.stop()
    hubStore?.stop()
    connector.stop()
    announcer.stop()
    sharing.stop()
    uploads.stop()
    await this.node.stop()
    await reader.closeAll()
  }
}

/** The hub's STUN server (on the UDP port of its TCP port's number), for WebRTC's ICE. */
function stunServersOf (hub: HubRef | undefined): string[] {
  const parts = hub?.addr.getComponents() ?? []
  const ip = parts[0]
  const port = parts.find(c => c.name === 'tcp')?.value
  return ip?.name === 'ip4' && port != null ? [`stun:${ip.value ?? ''}:${port}`] : []
}

/** A hub answers STUN on the address and port number it listens on for TCP. */
function stunServerFor (listen: readonly string[], ports: readonly number[]): StunServer | undefined {
  const host = listen.map(a => /^\/ip4\/([^/]+)\/tcp\//.exec(a)?.[1]).find(h => h != null)
  const port = ports[0]
  return host != null && port != null ? new StunServer(host, port) : undefined
}
