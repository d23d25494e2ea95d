import { setMaxListeners } from 'node:events'
import type { Connection } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { mkdir, realpath } from 'node:fs/promises'
import { join, relative, resolve, sep } from 'node:path'
import type { CID } from 'multiformats/cid'
import type { Bitfield } from '../../../shared/bitfield.js'
import { parseCid } from '../../../shared/link.js'
import { AbortedError, AccessDeniedError, ContentNotFoundError, InvalidManifestError, NoPeersError, StalledError, SwarmdropError, UnsafePathError } from '../../../shared/errors.js'
import type { PeerHint } from '../../../shared/link.js'
import type { Manifest } from '../../../shared/manifest.js'
import { totalPaths, type DoneEvent, type StallInfo, type TransferPath, type WaitingInfo } from '../../../shared/transfer.js'
import { pieceLayout } from '../content/layout.js'
import type { Library } from '../content/library.js'
import { decodeManifest } from '../content/manifest-codec.js'
import type { Logger } from '../log.js'
import type { SwarmNode } from '../node/create-node.js'
import { PartFiles } from '../storage/part-files.js'
import type { BanList } from '../persistence/ban-list.js'
import { DownloadRecord } from '../persistence/download-store.js'
import type { StateFiles } from '../persistence/json-file.js'
import type { SwarmFeed } from '../swarm/feed.js'
import type { SwarmRegistry } from '../swarm/registry.js'
import type { RateLimit } from '../transfer/token-bucket.js'
import { accessProof } from '../access/share-access.js'
import type { PeerScores } from '../trust/peer-scores.js'
import { isCircuit, isRelayed, parseAddrs } from '../node/addresses.js'
import { dialPeer, pathOf, type HubRef } from '../node/dial.js'
import { directSoon, followBetterRoutes } from './route-upgrade.js'
import { Download, type DownloadProgress, type PeerLink } from './download.js'
import { stallMessage } from './explain.js'
import { noPeersReason } from './no-peers-reason.js'
import { PeerFinder, type DiscoveryVia } from './peer-finder.js'
import { CandidateInbox } from './candidate-inbox.js'

export { dialPeer, pathOf, type HubRef } from '../node/dial.js'
export type { DiscoveryVia } from './peer-finder.js'

/** Rounds of looking for peers in a client-server run (no waiting: the server is there or not). */
const CLIENT_SERVER_ROUNDS = 3
/** How often a running download syncs its data and saves its bitfield: the most work a crash can cost in re-hashing. */
const CHECKPOINT_MS = 5_000
/**
 * When a download looks for more peers (DHT providers, peer exchange): soon
 * after it starts, while the swarm is forming, then every 15 s.
 */
const DISCOVERY_SCHEDULE_MS = [1_000, 3_000, 6_000, 10_000]
const DISCOVERY_MS = 15_000
/** Peers one download pulls from at most: past this, more peers add overhead, not speed. */
const MAX_DOWNLOAD_PEERS = 40
/** Listeners the run's signal may have: a few per peer session (dial, streams, requests) for every peer it may hold. */
const RUN_SIGNAL_LISTENERS = MAX_DOWNLOAD_PEERS * 8
/** Peers asked for their swarm per discovery round. */
const PEX_FANOUT = 5
/** Progress summaries on the swarm feed: a few a minute is plenty for a human. */
const FEED_PROGRESS_MS = 5_000
/** Stalls and the stall timeout are checked this often. */
const WATCH_MS = 500

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
  /** No reachable source: what it keeps trying (null once a source is back). */
  onWaiting?: (w: WaitingInfo | null) => void
  /** Peers are there but the missing pieces have no good source (null once they do). */
  onStalled?: (s: StallInfo | null) => void
  /** Once the manifest is known and the swarm download starts: a live view for the UI. */
  onStarted?: (view: DownloadView) => void
  /** Where peers were found, as they are: the CLI and UI show which discovery worked. */
  onDiscovered?: (via: DiscoveryVia, peers: string[]) => void
  progressIntervalMs?: number
  /**
   * Give up after this long with no verified progress and no new peer (the
   * CLI's `--stall-timeout`); 0 or absent: wait for peers as long as it takes.
   */
  stallTimeoutMs?: number
  signal?: AbortSignal
  /** A private share's secret, from its link: proves our access to each peer and keeps the share unannounced. */
  secret?: string
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
  /** More peers for it (a pasted link): tried at once. */
  addHints: (peers: PeerHint[]) => void
}

export interface DownloadDeps {
  node: SwarmNode
  /** The data folder's state files (each download's record lives there). */
  state: StateFiles
  library: Library
  bans: BanList
  registry: SwarmRegistry
  feed: SwarmFeed
  active: Map<string, ActiveDownload>
  downLimit: RateLimit
  /** The hub in use now (it may be found while a download runs). */
  hub: () => HubRef | undefined
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
 * us for the same content. With no source it waits and keeps looking; only a
 * stall timeout (the CLI's) or the signal ends that.
 */
export async function runDownload (deps: DownloadDeps, req: DownloadRequest): Promise<DownloadOutcome> {
  const { node, log } = deps
  const self = node.peerId.toString()
  const discover = req.leechOnly !== true
  // A private share is never announced: no DHT record, no tracker entry, no feed. Its link's peers and PEX find the swarm.
  const announce = discover && req.secret == null
  const cidText = req.cid.toString()
  const proofFor = (peerId: string): Uint8Array | undefined => req.secret == null ? undefined : accessProof(req.secret, cidText, self, peerId)
  await mkdir(req.outDir, { recursive: true })
  const outDir = await realpath(resolve(req.outDir))
  const record = new DownloadRecord(deps.state, cidText, outDir)

  // One signal for the whole run: the caller's, or the watchdog's when it gives up.
  const stop = new AbortController()
  const onCallerAbort = (): void => { stop.abort(new AbortedError('download stopped')) }
  if (req.signal?.aborted === true) onCallerAbort()
  req.signal?.addEventListener('abort', onCallerAbort, { once: true })
  const signal = stop.signal
  // Every dial, session and request of the run listens on it; Node's default of 10 listeners
  // printed a MaxListenersExceededWarning to the user's terminal as soon as peer exchange brought a dozen peers.
  setMaxListeners(RUN_SIGNAL_LISTENERS, signal)

  const finder = new PeerFinder({ node, cid: req.cid, bans: deps.bans, hub: deps.hub, discover, announce, log, signal, onDiscovered: req.onDiscovered })
  for (const p of req.peers) finder.add(p.peerId, p.addrs.map(a => multiaddr(a)))
  if (req.peers.length > 0) req.onDiscovered?.('hint', req.peers.map(p => p.peerId))
  for (const a of req.addrs) finder.addBare(a)
  finder.remember(await record.loadPeers())

  const whyNoPeers = (): string => noPeersReason({
    tried: finder.triedRoutes(),
    known: finder.targets.size,
    found: finder.found,
    named: req.peers.length + req.addrs.length,
    hub: deps.hub() != null,
    privateShare: req.secret != null,
    leechOnly: !discover
  })
  let download: Download | undefined
  /** Verified progress, a new peer, or a manifest: what the stall timeout measures from. */
  let lastProgress = Date.now()
  let lastBytes = -1
  const met = new Set<string>()
  let stalled: StallInfo | null = null
  const watchdog = setInterval(() => {
    if (download != null) {
      const bytes = download.progress().bytes
      if (bytes !== lastBytes) { lastBytes = bytes; lastProgress = Date.now() }
      const now = download.stall()
      if ((now == null) !== (stalled == null)) req.onStalled?.(now)
      stalled = now
    }
    const limit = req.stallTimeoutMs ?? 0
    if (limit > 0 && Date.now() - lastProgress > limit && !signal.aborted) {
      const secs = Math.round(limit / 1000)
      stop.abort(stalled != null
        ? new StalledError(`${stallMessage(stalled)}; no progress for ${secs} s`)
        : new NoPeersError(`${whyNoPeers()}${download?.failure != null ? ` Last problem: ${download.failure}.` : ''} (gave up after ${secs} s)`))
    }
  }, WATCH_MS)
  const onWaiting = (w: WaitingInfo | null): void => {
    req.onWaiting?.(w)
    if (w == null) req.onPhase?.('downloading')
  }

  const pending = new Set<string>()
  // Until the swarm runs (manifest fetch, file scan) candidates wait here rather than being dropped.
  const candidates = new CandidateInbox<{ peerId: string, addrs: Multiaddr[], via: DiscoveryVia }>()
  const active: ActiveDownload = {
    // A peer that opened a download of this from us is in the swarm too.
    offer: peerId => { candidates.push({ peerId, addrs: [], via: 'known' }) },
    addHints: peers => {
      for (const p of peers) {
        const addrs = parseAddrs(p.addrs)
        finder.add(p.peerId, addrs, 'hint')
        candidates.push({ peerId: p.peerId, addrs, via: 'hint' })
      }
      finder.wake()
    }
  }
  if (discover) deps.active.set(cidText, active)

  try {
    req.onPhase?.('connecting')
    let manifestBytes = await record.loadManifest()
    let manifest: Manifest
    if (manifestBytes != null) {
      manifest = decodeManifest(manifestBytes, req.cid)
    } else {
      const [fetched] = await finder.until(async conns => {
        const got = await fetchManifest(node, [...conns.keys()], req.cid, log, proofFor, finder, signal)
        return got == null ? [] : [got]
      }, { maxRounds: discover ? undefined : CLIENT_SERVER_ROUNDS, withLan: true, onWaiting })
      if (fetched == null) throw new NoPeersError(whyNoPeers())
      manifest = fetched.manifest
      manifestBytes = fetched.bytes
      await record.saveManifest(manifestBytes)
      lastProgress = Date.now()
    }
    return await runSwarm(deps, req, {
      record,
      outDir,
      manifest,
      manifestBytes,
      finder,
      signal,
      discover,
      announce,
      proofFor,
      onWaiting,
      pending,
      setDownload: d => { download = d },
      onNewPeer: id => { if (!met.has(id)) { met.add(id); lastProgress = Date.now() } },
      setCandidate: fn => { candidates.open(c => { fn(c.peerId, c.addrs, c.via) }) }
    })
  } catch (err) {
    // The watchdog's reason, not the abort it caused, is what the user reads.
    const reason: unknown = signal.reason
    if (signal.aborted && reason instanceof SwarmdropError && !(reason instanceof AbortedError)) throw reason
    throw err
  } finally {
    clearInterval(watchdog)
    req.signal?.removeEventListener('abort', onCallerAbort)
    finder.stop()
    if (deps.active.get(cidText) === active) deps.active.delete(cidText)
    await record.savePeers(finder.knownPeers()).catch(() => {})
  }
}

interface SwarmContext {
  record: DownloadRecord
  outDir: string
  manifest: Manifest
  manifestBytes: Uint8Array
  finder: PeerFinder
  signal: AbortSignal
  discover: boolean
  announce: boolean
  proofFor: (peerId: string) => Uint8Array | undefined
  onWaiting: (w: WaitingInfo | null) => void
  pending: Set<string>
  setDownload: (d: Download) => void
  /** A peer this run never had before now sends us pieces: the stall timeout starts again. */
  onNewPeer: (peerId: string) => void
  setCandidate: (fn: (peerId: string, addrs: Multiaddr[], via: DiscoveryVia) => void) => void
}

/** From a known manifest to every piece verified and in place. */
async function runSwarm (deps: DownloadDeps, req: DownloadRequest, ctx: SwarmContext): Promise<DownloadOutcome> {
  const { node, log } = deps
  const { record, outDir, manifest, manifestBytes, finder, signal, discover, announce, proofFor, pending } = ctx
  const self = node.peerId.toString()
  const cidText = req.cid.toString()
  const layout = pieceLayout(manifest)
  const state = await record.loadState(layout.count)
  const files = await PartFiles.open(outDir, manifest, layout, state?.targets)
  let have: Bitfield
  try {
    req.onPhase?.('checking', { bytes: 0, total: layout.totalSize })
    let checked = 0
    have = await files.scan(state == null ? null : { bitfield: state.bitfield, clean: state.clean, files: state.files }, n => {
      checked += n
      req.onPhase?.('checking', { bytes: checked, total: layout.totalSize })
    })
  } catch (err) {
    await files.close()
    throw err
  }
  log('%s: %d of %d pieces already on disk', cidText, have.count(), have.size)
  const saveState = async (bitfield: Bitfield, clean: boolean, complete: boolean): Promise<void> => {
    await record.saveState({ cid: cidText, outDir, name: manifest.name, bitfield, clean, complete, files: await files.identities(), targets: files.relativeTargets() }, layout.count)
  }
  await saveState(have, false, false)

  /** A sharer that shut us out: if every peer does, that (not "no peers") is why we stop. */
  let denied: AccessDeniedError | undefined
  const openLink = async (c: Connection): Promise<PeerLink | null> => {
    const peerId = c.remotePeer.toString()
    // A relayed peer that can be hole-punched is usually direct within a second: start there, not on the hub's relay.
    if (isRelayed(c)) c = await directSoon(node, c, signal)
    try {
      const channel = await node.services.pieces.open(c.remotePeer, req.cid, {
        pieceCount: layout.count,
        pieceSize: layout.pieceSize,
        maxInFlight: download.maxInFlight,
        mine: download.have,
        proof: proofFor(peerId),
        signal
      })
      deps.registry.touch(cidText, peerId)
      finder.seen(peerId, [c.remoteAddr.toString()])
      ctx.onNewPeer(peerId)
      exchangePeers(peerId)
      return { peerId, path: pathOf(c, deps.hub()), channel }
    } catch (err) {
      log('no piece channel to %s: %s', peerId, (err as Error).message)
      if (err instanceof ContentNotFoundError) finder.forget(peerId)
      if (err instanceof AccessDeniedError) denied = err
      return null
    }
  }
  /** Peer exchange right on connect: a newcomer knows the swarm in a round trip, not at the next discovery round. */
  const exchanged = new Set<string>()
  const exchangePeers = (peerId: string): void => {
    if (!discover || exchanged.has(peerId)) return
    exchanged.add(peerId)
    void askForPeers(peerId)
  }
  /** Asks a member who else is in the swarm, and tries each one it names. */
  const askForPeers = async (peerId: string): Promise<void> => {
    const hints = await node.services.pex.askPeers(peerIdFromString(peerId), req.cid, { signal }).catch((err: unknown) => {
      log('peer exchange with %s: %s', peerId, (err as Error).message)
      return []
    })
    for (const h of hints) addCandidate(h.peerId, parseAddrs(h.addrs), 'pex')
  }
  const openLinks = async (conns: Connection[]): Promise<PeerLink[]> => (await Promise.all(conns.map(openLink))).filter(l => l != null)

  /** One more peer that may have pieces: connect, open a channel, add it. */
  const addCandidate = (peerId: string, addrs: Multiaddr[], via: DiscoveryVia): void => {
    if (peerId === self || download.finished || deps.bans.isBanned(peerId) || download.banned.has(peerId)) return
    // Known before anything else: a member we are already talking to is still one more the swarm told us of.
    finder.add(peerId, addrs, via)
    if (pending.has(peerId) || download.connectedPeers().includes(peerId) || download.connectedPeers().length >= MAX_DOWNLOAD_PEERS) return
    pending.add(peerId)
    dialPeer(node, peerId, finder.targets.get(peerId) ?? addrs, signal)
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
    // No source left: keep looking (with backoff, through every route) until one answers.
    findPeers: async exclude => await finder.until(async conns => {
      denied = undefined
      const links = await openLinks([...conns.values()])
      if (links.length === 0 && denied != null) throw denied
      return links
    }, {
      exclude,
      maxRounds: discover ? undefined : CLIENT_SERVER_ROUNDS,
      onWaiting: ctx.onWaiting
    })
  })
  ctx.setDownload(download)
  ctx.setCandidate(addCandidate)
  const unfollow = followBetterRoutes({
    node,
    routeOf: peerId => download.routeOf(peerId),
    reopen: async c => { const link = await openLink(c); if (link != null) download.addPeer(link) }
  })

  // Every few seconds: sync the data, then save the bitfield as it was before the sync,
  // with the identity of the files it describes. After a crash those pieces are trusted
  // (while the files are the same) and only the rest is re-hashed.
  let checkpointing: Promise<void> | null = null
  const checkpoint = setInterval(() => {
    if (checkpointing != null) return
    const snapshot = download.have.clone()
    for (const id of download.connectedPeers()) finder.seen(id, connectedAddrs(node, id))
    checkpointing = files.sync()
      .then(async () => {
        await saveState(snapshot, false, false)
        await record.savePeers(finder.knownPeers())
      })
      .catch((err: unknown) => {
        // The disk did not take what was written: the download stops here, and the state saved
        // at the last good checkpoint is the one the next run starts from.
        log.error('checkpoint failed: %e', err)
        download.stop(err as Error)
      })
      .finally(() => { checkpointing = null })
  }, CHECKPOINT_MS)

  // Discovery while downloading: DHT providers and peer exchange find the rest of the swarm.
  const discoverMore = async (): Promise<void> => {
    if (!discover || download.finished) return
    // Each route's answers are dialled as they come, not once the slowest route is done.
    await Promise.all([
      finder.findProviders((id, addrs) => { addCandidate(id, addrs, 'dht') }),
      finder.askTracker((id, addrs) => { addCandidate(id, addrs, 'tracker') })
    ])
    for (const [id, addrs] of finder.targets) addCandidate(id, addrs, 'dht')
    const asked = download.connectedPeers().sort(() => Math.random() - 0.5).slice(0, PEX_FANOUT)
    await Promise.all(asked.map(askForPeers))
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
    if (announce) deps.feed.join(cidText)
    if (announce) void deps.feed.publish(cidText, { type: 'presence', name: manifest.name, have: have.count(), total: have.size, seeding: false })
    // Announce early: a leecher's pieces are worth finding while it still downloads.
    if (announce && node.getConnections().length > 0) void node.contentRouting.provide(req.cid, { signal }).catch((err: unknown) => { log('provide %s: %s', cidText, (err as Error).message) })
  }

  // A private share's pieces are served on the same terms: only to holders of its secret.
  const unserve = discover ? deps.library.addLive({ ...download.asServed(), access: req.secret == null ? undefined : { allow: [], secret: req.secret } }) : () => {}
  req.onStarted?.({
    manifest,
    pieceCount: layout.count,
    progress: () => download.progress(),
    pieceMap: () => download.pieceMap(),
    connectedPeers: () => download.connectedPeers(),
    sources: () => download.sourceSummaries()
  })
  const timer = req.onProgress == null ? undefined : setInterval(() => req.onProgress?.(download.progress()), req.progressIntervalMs ?? 250)
  let completed = false
  let unsynced: Error | null
  try {
    req.onPhase?.('downloading')
    const run = download.run([], signal)
    if (discover && !have.isComplete()) {
      void discoverMore()
      scheduleDiscovery(0)
    }
    await run
    completed = true
  } finally {
    unfollow()
    if (timer != null) clearInterval(timer)
    clearInterval(checkpoint)
    clearTimeout(discovery)
    clearInterval(feedTimer)
    await checkpointing
    unserve()
    unsynced = await files.sync().then(() => null, (err: unknown) => err as Error)
    await files.close()
    if (unsynced == null) {
      // After the sync the bitfield describes durable data: the next start may trust it while its files are the same.
      await saveState(download.have, true, completed).catch((err: unknown) => { log.error('could not save download state: %e', err) })
    } else {
      // Not vouched for: the state of the last good checkpoint stays, and the next run re-reads the rest.
      log.error('final sync failed, the piece map is not saved as clean: %e', unsynced)
    }
  }
  // A download whose last bytes did not reach the disk is not done, whatever it verified in memory.
  if (unsynced != null) throw unsynced
  req.onProgress?.(download.progress())

  const sources = download.sourceSummaries()
  const paths = totalPaths(sources)
  return {
    cid: cidText,
    path: rootPath(outDir, files.targets),
    bytes: layout.totalSize,
    sources,
    paths,
    banned: [...download.banned],
    manifest,
    files: files.targets,
    ...(req.secret != null ? { secret: req.secret } : {})
  }
}

function connectedAddrs (node: SwarmNode, peerId: string): string[] {
  return node.getConnections(peerIdFromString(peerId)).map(c => c.remoteAddr.toString()).filter(a => !isCircuit(a))
}

/**
 * The verified pieces a stopped download's saved state records (its bitfield's
 * bytes), for a piece map while nothing runs; null when none is saved.
 */
export async function savedPieces (state: StateFiles, cid: string, outDir: string, pieces: number): Promise<Uint8Array | null> {
  const dir = await realpath(resolve(outDir)).catch(() => resolve(outDir))
  const saved = await new DownloadRecord(state, cid, dir).loadState(pieces)
  return saved?.bitfield?.bytes ?? null
}

/**
 * Forgets a download: its saved state, and the `.part` files of files that
 * never finished. Finished files are the user's and stay.
 */
export async function discardDownload (stateFiles: StateFiles, cid: string, outDir: string): Promise<void> {
  const dir = await realpath(resolve(outDir)).catch(() => resolve(outDir))
  const record = new DownloadRecord(stateFiles, cid, dir)
  const bytes = await record.loadManifest()
  if (bytes != null) {
    const manifest = decodeManifest(bytes, parseCid(cid))
    const layout = pieceLayout(manifest)
    const state = await record.loadState(layout.count)
    const files = await PartFiles.open(dir, manifest, layout, state?.targets)
    await files.removeUnfinished()
  }
  await record.remove()
}

/**
 * The manifest from the first of `peers` that has it, checked against the
 * CID; null when none does. Peers without it are forgotten; a private share
 * that shuts us out everywhere is an error the user must act on.
 */
async function fetchManifest (
  node: SwarmNode,
  peers: string[],
  cid: CID,
  log: Logger,
  proofFor: (peerId: string) => Uint8Array | undefined,
  finder: PeerFinder,
  signal: AbortSignal
): Promise<{ manifest: Manifest, bytes: Uint8Array } | null> {
  let denied: AccessDeniedError | undefined
  for (const p of peers) {
    try {
      return await node.services.manifest.fetch(peerIdFromString(p), cid, { signal, proof: proofFor(p) })
    } catch (err) {
      signal.throwIfAborted()
      log('manifest from %s failed: %s', p, (err as Error).message)
      if (err instanceof ContentNotFoundError) finder.forget(p)
      if (err instanceof AccessDeniedError) denied = err
      // It matched the CID, so every peer would send the same unusable manifest: waiting cannot help.
      if (err instanceof InvalidManifestError || err instanceof UnsafePathError) throw err
    }
  }
  if (denied != null) throw denied
  return null
}

/** The folder or file the user will look for: the share's single root if it has one (as saved, after any name clash). */
function rootPath (outDir: string, targets: readonly string[]): string {
  const firsts = new Set(targets.map(t => relative(outDir, t).split(sep)[0]!))
  return firsts.size === 1 ? join(outDir, [...firsts][0]!) : outDir
}
