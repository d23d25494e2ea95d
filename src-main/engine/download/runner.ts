import type { Connection, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { mkdir, realpath } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { CID } from 'multiformats/cid'
import type { Bitfield } from '../../../shared/bitfield.js'
import { parseCid } from '../../../shared/link.js'
import { AccessDeniedError, ContentNotFoundError, NoPeersError, PeerUnreachableError, SwarmdropError, UsageError } from '../../../shared/errors.js'
import type { PeerHint } from '../../../shared/link.js'
import type { Manifest } from '../../../shared/manifest.js'
import type { DoneEvent, TransferPath } from '../../../shared/transfer.js'
import { pieceLayout } from '../content/layout.js'
import type { Library } from '../content/library.js'
import { decodeManifest } from '../content/manifest-codec.js'
import type { Logger } from '../log.js'
import type { SwarmNode } from '../node/create-node.js'
import { PartFiles } from '../storage/part-files.js'
import { sanitiseSegment } from '../storage/sanitise.js'
import type { BanList } from '../store/ban-list.js'
import { DownloadRecord } from '../store/download-store.js'
import type { SwarmFeed } from '../swarm/feed.js'
import type { SwarmRegistry } from '../swarm/registry.js'
import type { RateLimit } from '../transfer/token-bucket.js'
import { deadline } from '../deadline.js'
import { hasDhtPeers } from '../node/dht-peers.js'
import { accessProof } from '../access/share-access.js'
import type { PeerScores } from '../trust/peer-scores.js'
import { Download, type DownloadProgress, type PeerLink } from './download.js'

/** Rounds of re-dialling known peers when none is left, and the pause between them. */
const RECONNECT_ROUNDS = 3
const RECONNECT_PAUSE_MS = 1_000
/**
 * DHT lookups made before giving up when the first finds nobody: a provider record
 * published a moment ago may not have reached the peers we ask yet (seen on a loaded
 * machine: a record 1.5 s old missed by the first lookup).
 */
const PROVIDER_LOOKUP_ROUNDS = 3
/** How often a running download syncs its data and saves its bitfield: the most work a crash can cost in re-hashing. */
const CHECKPOINT_MS = 5_000
/**
 * When a download looks for more peers (DHT providers, peer exchange): soon
 * after it starts, while the swarm is forming, then every 15 s.
 */
const DISCOVERY_SCHEDULE_MS = [1_000, 3_000, 6_000, 10_000]
const DISCOVERY_MS = 15_000
/** Providers asked for per DHT lookup, and how long a lookup may take. */
const MAX_PROVIDERS = 20
const FIND_PROVIDERS_TIMEOUT_MS = 20_000
/** Peers one download pulls from at most: past this, more peers add overhead, not speed. */
const MAX_DOWNLOAD_PEERS = 40
/** Peers asked for their swarm per discovery round. */
const PEX_FANOUT = 5
/** Progress summaries on the swarm feed: a few a minute is plenty for a human. */
const FEED_PROGRESS_MS = 5_000

export interface DownloadRequest {
  cid: CID
  outDir: string
  peers: PeerHint[]
  /** Multiaddrs given without a peer ID: dialled to learn who is there. */
  addrs: string[]
  /** Client-server only: fetch from the given peers, find no others, serve nobody. */
  leechOnly?: boolean
  onPhase?: (phase: 'connecting' | 'checking' | 'downloading', detail?: { bytes: number, total: number }) => void
  onProgress?: (p: DownloadProgress) => void
  /** Once the manifest is known and the swarm download starts: a live view for the UI. */
  onStarted?: (view: DownloadView) => void
  /** Where peers were found, as they are: the CLI and UI show which discovery worked. */
  onDiscovered?: (via: DiscoveryVia, peers: string[]) => void
  progressIntervalMs?: number
  signal?: AbortSignal
  /** A private share's secret, from its link: proves our access to each peer and keeps the share unannounced. */
  secret?: string
}

export type DiscoveryVia = 'hint' | 'dht' | 'tracker' | 'known' | 'pex' | 'hub-store'

/** The hub a node uses for the client-server fallback: tracker, relay and store. */
export interface HubRef {
  peerId: string
  addr: Multiaddr
}

/** A running download as a front end may look at it. */
export interface DownloadView {
  manifest: Manifest
  pieceCount: number
  progress: () => DownloadProgress
  pieceMap: () => { have: Uint8Array, availability: number[] }
  connectedPeers: () => string[]
  /** Bytes received so far in this run, per peer, with the route they took. */
  sources: () => Record<string, { bytes: number, path: TransferPath }>
}

/** A download in progress, as the rest of the engine may poke it. */
export interface ActiveDownload {
  /** A peer that asked us for pieces of the same content: it may have some too. */
  offer: (peerId: string) => void
}

export interface DownloadDeps {
  node: SwarmNode
  dataDir: string
  library: Library
  bans: BanList
  registry: SwarmRegistry
  feed: SwarmFeed
  active: Map<string, ActiveDownload>
  downLimit: RateLimit
  hub?: HubRef
  scores: PeerScores
  log: Logger
}

export interface DownloadOutcome extends Omit<DoneEvent, 'event'> {
  manifest: Manifest
  files: string[]
  /** The private share's secret it was fetched with, so seeding it keeps it private. */
  secret?: string
}

/**
 * The whole of one `get`: find the manifest (on disk from an earlier run, or
 * from the first peer that has it), work out what is already on disk, then
 * run the swarm download until every piece is verified and in place, while
 * finding more peers through the DHT, peer exchange and peers that come to
 * us for the same content.
 */
export async function runDownload (deps: DownloadDeps, req: DownloadRequest): Promise<DownloadOutcome> {
  const { node, log } = deps
  const self = node.peerId.toString()
  const discover = req.leechOnly !== true
  // A private share is never announced: no DHT record, no tracker entry, no feed. Its link's peers and PEX find the swarm.
  const announce = discover && req.secret == null
  const proofFor = (peerId: string): Uint8Array | undefined => req.secret == null ? undefined : accessProof(req.secret, cidText, self, peerId)
  const cidText = req.cid.toString()
  await mkdir(req.outDir, { recursive: true })
  const outDir = await realpath(resolve(req.outDir))
  const record = new DownloadRecord(deps.dataDir, cidText, outDir)
  const targets = new Map<string, Multiaddr[]>()
  for (const p of req.peers) targets.set(p.peerId, p.addrs.map(a => multiaddr(a)))

  req.onPhase?.('connecting')
  if (targets.size > 0) req.onDiscovered?.('hint', [...targets.keys()])
  const connected = new Map<string, Connection>()
  const connectAll = async (exclude: ReadonlySet<string>): Promise<void> => {
    const jobs: Array<Promise<void>> = []
    for (const [peerId, addrs] of targets) {
      if (exclude.has(peerId) || deps.bans.isBanned(peerId)) continue
      jobs.push(dialPeer(node, peerId, addrs, req.signal, deps.hub).then(c => { connected.set(peerId, c) }, err => { log('cannot reach %s: %s', peerId, (err as Error).message) }))
    }
    for (const a of req.addrs) {
      jobs.push(node.dial(multiaddr(a), { signal: req.signal }).then(c => {
        const id = c.remotePeer.toString()
        if (!targets.has(id)) targets.set(id, [multiaddr(a)])
        connected.set(id, c)
      }, err => { log('cannot reach %s: %s', a, (err as Error).message) }))
    }
    await Promise.all(jobs)
  }
  const findProviders = async (): Promise<void> => {
    if (!announce) return
    // An empty routing table makes a lookup wait for peers that will never come.
    if (!await hasDhtPeers(node)) return
    const { signal, clear } = deadline(FIND_PROVIDERS_TIMEOUT_MS, req.signal)
    let n = 0
    const found: string[] = []
    try {
      for await (const p of node.contentRouting.findProviders(req.cid, { signal })) {
        const id = p.id.toString()
        if (id === self || deps.bans.isBanned(id) || id === deps.hub?.peerId) continue
        if (!targets.has(id)) { targets.set(id, p.multiaddrs); found.push(id) }
        if (++n >= MAX_PROVIDERS) break
      }
    } catch (err) {
      log('provider lookup for %s: %s', cidText, (err as Error).message)
    } finally {
      clear()
    }
    log('DHT found %d provider(s) of %s', n, cidText)
    if (found.length > 0) req.onDiscovered?.('dht', found)
  }
  /**
   * The hub's tracker: who announced this CID. The hub itself is listed when
   * its store holds a copy; it is kept apart, as the last resort.
   */
  let hubHolds = false
  const askTracker = async (): Promise<number> => {
    if (!announce || deps.hub == null) return 0
    try {
      const holders = await node.services.tracker.lookup(peerIdFromString(deps.hub.peerId), req.cid, { signal: req.signal })
      const fresh: string[] = []
      for (const h of holders) {
        if (h.peerId === deps.hub.peerId) { hubHolds = true; continue }
        if (h.peerId === self || deps.bans.isBanned(h.peerId)) continue
        if (!targets.has(h.peerId)) { targets.set(h.peerId, h.addrs.map(a => multiaddr(a))); fresh.push(h.peerId) }
      }
      if (fresh.length > 0) req.onDiscovered?.('tracker', fresh)
      return fresh.length
    } catch (err) {
      log('tracker lookup for %s: %s', cidText, (err as Error).message)
      return 0
    }
  }
  /** Nobody else reachable: the hub's own copy. */
  const useHubStore = async (): Promise<boolean> => {
    if (deps.hub == null || !hubHolds || deps.bans.isBanned(deps.hub.peerId)) return false
    try {
      const c = await dialPeer(node, deps.hub.peerId, [deps.hub.addr], req.signal)
      connected.set(deps.hub.peerId, c)
      targets.set(deps.hub.peerId, [deps.hub.addr])
      req.onDiscovered?.('hub-store', [deps.hub.peerId])
      return true
    } catch (err) {
      log('hub store unreachable: %s', (err as Error).message)
      return false
    }
  }

  // A seeder that is busy or just restarting may refuse a first dial: try a few rounds.
  // With a hub there is a fallback (tracker, relay, store): one round, then on to it.
  const rounds = deps.hub != null ? 1 : RECONNECT_ROUNDS
  for (let round = 0; round < rounds && connected.size === 0 && targets.size + req.addrs.length > 0; round++) {
    if (round > 0) await new Promise(resolve => setTimeout(resolve, RECONNECT_PAUSE_MS * round))
    await connectAll(new Set())
  }
  let manifestBytes = await record.loadManifest()
  let manifest: Manifest
  if (manifestBytes != null) {
    manifest = decodeManifest(manifestBytes, req.cid)
  } else {
    // With a hub the tracker is the next step, so one lookup is enough.
    const lookups = deps.hub != null ? 1 : PROVIDER_LOOKUP_ROUNDS
    for (let round = 0; round < lookups && connected.size === 0 && discover; round++) {
      if (round > 0) await new Promise(resolve => setTimeout(resolve, RECONNECT_PAUSE_MS * round))
      req.signal?.throwIfAborted()
      await findProviders()
      await connectAll(new Set())
    }
    // The DHT found nobody reachable: ask the hub's tracker, then fall back to the hub's store.
    if (connected.size === 0 && discover && deps.hub != null) {
      if (await askTracker() > 0) await connectAll(new Set())
      if (connected.size === 0) await useHubStore()
    }
    let askingKnown = false
    if (connected.size === 0 && discover) {
      askingKnown = true
      // Nobody named, nothing in the DHT: ask the peers we already know (LAN peers found by
      // mDNS, bootstrap peers) whether they have it.
      for (const c of node.getConnections().slice(0, MAX_PROVIDERS)) {
        const id = c.remotePeer.toString()
        if (!deps.bans.isBanned(id) && id !== deps.hub?.peerId) { connected.set(id, c); targets.set(id, [c.remoteAddr]) }
      }
    }
    if (connected.size === 0) {
      throw new NoPeersError(targets.size === 0
        ? (discover ? 'nobody was found sharing this content (no peer hints, nothing in the DHT); pass --peer or --bootstrap' : 'no peers to download from: pass --peer or use a link with peer hints')
        : `none of the ${targets.size} peer(s) could be reached`)
    }
    const fetched = await fetchManifest(node, [...connected.keys()], req.cid, log, proofFor, req.signal).catch((err: unknown) => {
      if (askingKnown && err instanceof ContentNotFoundError) throw new NoPeersError('nobody was found sharing this content: none of the peers we know has it, and the DHT has no record; pass --peer or --bootstrap')
      throw err
    })
    manifest = fetched.manifest
    manifestBytes = fetched.bytes
    await record.saveManifest(manifestBytes)
  }

  const layout = pieceLayout(manifest)
  const files = await PartFiles.open(outDir, manifest, layout)
  const state = await record.loadState(layout.count)
  let have: Bitfield
  try {
    req.onPhase?.('checking', { bytes: 0, total: layout.totalSize })
    let checked = 0
    have = await files.scan(state?.bitfield ?? null, state?.clean === true, n => {
      checked += n
      req.onPhase?.('checking', { bytes: checked, total: layout.totalSize })
    })
  } catch (err) {
    await files.close()
    throw err
  }
  log('%s: %d of %d pieces already on disk', cidText, have.count(), have.size)
  await record.saveState({ cid: cidText, outDir, name: manifest.name, bitfield: have, clean: false, complete: false }, layout.count)

  const pending = new Set<string>()
  const openLink = async (c: Connection): Promise<PeerLink | null> => {
    const peerId = c.remotePeer.toString()
    try {
      const channel = await node.services.pieces.open(c.remotePeer, req.cid, {
        pieceCount: layout.count,
        pieceSize: layout.pieceSize,
        maxInFlight: download.maxInFlight,
        proof: proofFor(peerId),
        signal: req.signal
      })
      deps.registry.touch(cidText, peerId)
      return { peerId, path: pathOf(c, deps.hub), channel }
    } catch (err) {
      log('no piece channel to %s: %s', peerId, (err as Error).message)
      if (err instanceof ContentNotFoundError) targets.delete(peerId)
      return null
    }
  }
  const openLinks = async (conns: Connection[]): Promise<PeerLink[]> => (await Promise.all(conns.map(openLink))).filter(l => l != null)

  /** One more peer that may have pieces: connect, open a channel, add it. */
  const addCandidate = (peerId: string, addrs: Multiaddr[]): void => {
    if (peerId === self || download.finished || pending.has(peerId) || deps.bans.isBanned(peerId) || download.banned.has(peerId)) return
    if (download.connectedPeers().includes(peerId) || download.connectedPeers().length >= MAX_DOWNLOAD_PEERS) return
    if (!targets.has(peerId)) targets.set(peerId, addrs)
    pending.add(peerId)
    dialPeer(node, peerId, addrs, req.signal)
      .then(async c => await openLink(c))
      .then(link => { if (link != null) download.addPeer(link) }, err => { log('candidate %s: %s', peerId, (err as Error).message) })
      .finally(() => pending.delete(peerId))
  }

  const download: Download = new Download({
    cid: cidText,
    manifest,
    manifestBytes,
    layout,
    files,
    have,
    log,
    pace: bytes => deps.downLimit.reserve(bytes),
    onReceived: (peerId, bytes) => { deps.registry.countReceived(peerId, bytes) },
    penalize: async (peerId, offence, reason) => await deps.scores.penalize(peerId, offence, reason),
    findPeers: async exclude => {
      for (let round = 0; round < RECONNECT_ROUNDS; round++) {
        if (req.signal?.aborted === true) return []
        if (round > 0) await new Promise(resolve => setTimeout(resolve, RECONNECT_PAUSE_MS * round))
        if (round === 1) { await findProviders(); await askTracker() }
        connected.clear()
        await connectAll(exclude)
        if (connected.size === 0 && !exclude.has(deps.hub?.peerId ?? '')) await useHubStore()
        const links = await openLinks([...connected.values()].filter(c => !exclude.has(c.remotePeer.toString())))
        if (links.length > 0) return links
      }
      return []
    }
  })

  // Every few seconds: sync the data, then save the bitfield as it was before the sync.
  // After a crash those pieces are trusted and only the rest is re-hashed.
  let checkpointing: Promise<void> | null = null
  const checkpoint = setInterval(() => {
    if (checkpointing != null) return
    const snapshot = download.have.clone()
    checkpointing = files.sync()
      .then(async () => { await record.saveState({ cid: cidText, outDir, name: manifest.name, bitfield: snapshot, clean: false, complete: false }, layout.count) })
      .catch((err: unknown) => { log('checkpoint failed: %e', err) })
      .finally(() => { checkpointing = null })
  }, CHECKPOINT_MS)

  // Discovery while downloading: DHT providers and peer exchange find the rest of the swarm.
  const discoverMore = async (): Promise<void> => {
    if (!discover || download.finished) return
    await findProviders()
    await askTracker()
    for (const [id, addrs] of targets) addCandidate(id, addrs)
    const asked = download.connectedPeers().sort(() => Math.random() - 0.5).slice(0, PEX_FANOUT)
    await Promise.all(asked.map(async id => {
      const hints = await node.services.pex.askPeers(peerIdFromString(id), req.cid, { signal: req.signal }).catch(() => [])
      for (const h of hints) addCandidate(h.peerId, h.addrs.map(a => multiaddr(a)))
    }))
  }
  let discovery: NodeJS.Timeout | undefined
  const scheduleDiscovery = (round: number): void => {
    if (!discover) return
    discovery = setTimeout(() => {
      void discoverMore().finally(() => { if (!download.finished) scheduleDiscovery(round + 1) })
    }, DISCOVERY_SCHEDULE_MS[round] ?? DISCOVERY_MS)
  }
  const feedTimer = announce ? setInterval(() => { void publishProgress() }, FEED_PROGRESS_MS) : undefined
  const publishProgress = async (): Promise<void> => {
    const p = download.progress()
    await deps.feed.publish(cidText, { type: 'progress', bytes: p.bytes, total: p.total, speed: p.speed })
  }
  if (discover) {
    deps.active.set(cidText, { offer: peerId => { addCandidate(peerId, []) } })
    if (announce) deps.feed.join(cidText)
    if (announce) void deps.feed.publish(cidText, { type: 'presence', name: manifest.name, have: have.count(), total: have.size, seeding: false })
    // Announce early: a leecher's pieces are worth finding while it still downloads.
    if (announce && node.getConnections().length > 0) void node.contentRouting.provide(req.cid, { signal: req.signal }).catch((err: unknown) => { log('provide %s: %s', cidText, (err as Error).message) })
  }

  // A private share's pieces are served on the same terms: only to holders of its secret.
  const unserve = discover ? deps.library.addLive({ ...download.asServed(), access: req.secret == null ? undefined : { allow: [], secret: req.secret } }) : () => {}
  req.onStarted?.({
    manifest,
    pieceCount: layout.count,
    progress: () => download.progress(),
    pieceMap: () => download.pieceMap(),
    connectedPeers: () => download.connectedPeers(),
    sources: () => Object.fromEntries([...download.sources].filter(([, v]) => v.bytes > 0).map(([k, v]) => [k, { bytes: v.bytes, path: v.path }]))
  })
  const timer = req.onProgress == null ? undefined : setInterval(() => req.onProgress?.(download.progress()), req.progressIntervalMs ?? 250)
  let completed = false
  try {
    req.onPhase?.('downloading')
    const links = have.isComplete() ? [] : await openLinks([...connected.values()])
    const run = download.run(links, req.signal)
    if (discover && !have.isComplete()) {
      void discoverMore()
      scheduleDiscovery(0)
    }
    await run
    completed = true
  } finally {
    if (timer != null) clearInterval(timer)
    clearInterval(checkpoint)
    clearTimeout(discovery)
    clearInterval(feedTimer)
    deps.active.delete(cidText)
    await checkpointing
    unserve()
    await files.sync()
    await files.close()
    // After the sync the bitfield describes durable data: the next start may trust it.
    await record.saveState({ cid: cidText, outDir, name: manifest.name, bitfield: download.have, clean: true, complete: completed }, layout.count).catch((err: unknown) => { log.error('could not save download state: %e', err) })
  }
  req.onProgress?.(download.progress())

  const sources: DoneEvent['sources'] = {}
  const paths: DoneEvent['paths'] = { direct: 0, relay: 0, hub: 0 }
  for (const [peerId, s] of download.sources) {
    if (s.bytes === 0) continue
    sources[peerId] = { bytes: s.bytes, path: s.path }
    paths[s.path] += s.bytes
  }
  return {
    cid: cidText,
    path: rootPath(outDir, manifest),
    bytes: layout.totalSize,
    sources,
    paths,
    banned: [...download.banned],
    manifest,
    files: files.targets,
    ...(req.secret != null ? { secret: req.secret } : {})
  }
}

/**
 * Forgets a download: its saved state, and the `.part` files of files that
 * never finished. Finished files are the user's and stay.
 */
export async function discardDownload (dataDir: string, cid: string, outDir: string): Promise<void> {
  const dir = await realpath(resolve(outDir)).catch(() => resolve(outDir))
  const record = new DownloadRecord(dataDir, cid, dir)
  const bytes = await record.loadManifest()
  if (bytes != null) {
    const manifest = decodeManifest(bytes, parseCid(cid))
    const files = await PartFiles.open(dir, manifest, pieceLayout(manifest))
    await files.removeUnfinished()
  }
  await record.remove()
}

/**
 * Connects to `peerId`: directly first, then (with a hub) through the hub's
 * relay. libp2p dials the addresses in turn, relayed ones last, each with its
 * own timeout (ADDRESS_DIAL_TIMEOUT_MS), so a silent direct address cannot
 * use up the time the relay needs. DCUtR then tries to upgrade a relayed
 * connection to a direct one.
 */
export async function dialPeer (node: SwarmNode, peerId: string, addrs: Multiaddr[], signal?: AbortSignal, hub?: HubRef): Promise<Connection> {
  let id: PeerId
  try {
    id = peerIdFromString(peerId)
  } catch {
    throw new UsageError(`not a peer ID: ${peerId}`)
  }
  const existing = node.getConnections(id)
  if (existing.length > 0) return existing.find(c => c.limits == null) ?? existing[0]!
  const all = [...addrs]
  if (hub != null && peerId !== hub.peerId) {
    const viaHub = multiaddr(`${hub.addr.toString()}/p2p-circuit/p2p/${peerId}`)
    if (!all.some(a => a.equals(viaHub))) all.push(viaHub)
  }
  if (all.length > 0) await node.peerStore.merge(id, { multiaddrs: all })
  try {
    return await node.dial(id, { signal })
  } catch (err) {
    throw new PeerUnreachableError(`cannot reach peer ${peerId}${hub != null ? ', directly or through the hub' : ''}: ${(err as Error).message}`, err)
  }
}

async function fetchManifest (node: SwarmNode, peers: string[], cid: CID, log: Logger, proofFor: (peerId: string) => Uint8Array | undefined, signal?: AbortSignal): Promise<{ manifest: Manifest, bytes: Uint8Array }> {
  let last: unknown
  for (const p of peers) {
    try {
      return await node.services.manifest.fetch(peerIdFromString(p), cid, { signal, proof: proofFor(p) })
    } catch (err) {
      log('manifest from %s failed: %s', p, (err as Error).message)
      // "Not let in" says more to the user than another peer's "not here".
      if (!(last instanceof AccessDeniedError)) last = err
    }
  }
  if (last instanceof SwarmdropError) throw last
  throw new NoPeersError(`no reachable peer could send the manifest for ${cid.toString()}${last instanceof Error ? ` (${last.message})` : ''}`)
}

/** The route a connection's bytes take: from the hub's store, through a relay, or straight. */
export function pathOf (c: Connection, hub?: HubRef): TransferPath {
  if (hub != null && c.remotePeer.toString() === hub.peerId) return 'hub'
  return c.limits != null || c.remoteAddr.toString().includes('/p2p-circuit') ? 'relay' : 'direct'
}

/** The folder or file the user will look for: the share's single root if it has one. */
function rootPath (outDir: string, m: Manifest): string {
  const first = m.files[0]!.path[0]!
  const single = m.files.every(f => f.path[0] === first)
  return single ? join(outDir, sanitiseSegment(first)) : outDir
}
