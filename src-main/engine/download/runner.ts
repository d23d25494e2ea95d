import { setMaxListeners } from 'node:events'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { mkdir, realpath } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { CID } from 'multiformats/cid'
import type { Bitfield } from '../../../shared/bitfield.js'
import { AbortedError, NoPeersError, SwarmdropError } from '../../../shared/errors.js'
import type { PeerHint } from '../../../shared/link.js'
import type { Manifest } from '../../../shared/manifest.js'
import type { StallInfo, TransferPath, WaitingInfo } from '../../../shared/transfer.js'
import { accessProof } from '../access/share-access.js'
import { pieceLayout, type PieceLayout } from '../storage/piece-layout.js'
import type { Library } from '../content/library.js'
import { decodeManifest } from '../content/manifest-codec.js'
import type { Logger } from '../base/log.js'
import { isCircuit, parseAddrs } from '../base/addresses.js'
import type { SwarmNode } from '../node/create-node.js'
import type { HubRef } from '../node/hub-ref.js'
import type { BanList } from '../persistence/ban-list.js'
import { DownloadRecord } from '../persistence/download-records.js'
import type { StateFiles } from '../persistence/json-file.js'
import { PartFiles } from '../storage/part-files.js'
import type { ActiveDownload } from '../swarm/active-downloads.js'
import type { SwarmFeed } from '../swarm/feed.js'
import type { SwarmRegistry } from '../swarm/registry.js'
import type { RateLimit } from '../base/token-bucket.js'
import type { PeerScores } from '../trust/peer-scores.js'
import { CandidateInbox } from './candidate-inbox.js'
import { Download, type DownloadProgress } from './download.js'
import { noPeersReason } from './no-peers-reason.js'
import { PeerFinder, type DiscoveryVia } from './peer-finder.js'
import { followBetterRoutes } from './route-upgrade.js'
import { Checkpointer } from './run/checkpointer.js'
import { Discovery } from './run/discovery.js'
import { fetchManifest } from './run/manifest-fetch.js'
import { outcomeOf, type DownloadOutcome } from './run/outcome.js'
import { SwarmPresence } from './run/presence.js'
import { ProgressTicker } from './run/progress-ticker.js'
import { RunParts } from './run/run-part.js'
import { MAX_DOWNLOAD_PEERS, SwarmLinks } from './run/swarm-links.js'
import { StallWatchdog } from './run/watchdog.js'

export type { DiscoveryVia } from './peer-finder.js'
export type { DownloadOutcome } from './run/outcome.js'

/** Rounds of looking for peers in a client-server run (no waiting: the server is there or not). */
const CLIENT_SERVER_ROUNDS = 3
/** Listeners the run's signal may have: a few per peer session (dial, streams, requests) for every peer it may hold. */
const RUN_SIGNAL_LISTENERS = MAX_DOWNLOAD_PEERS * 8

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
  const watchdog = new StallWatchdog({ stallTimeoutMs: req.stallTimeoutMs ?? 0, onStalled: req.onStalled, whyNoPeers, giveUp: reason => { stop.abort(reason) } })
  watchdog.start()
  const onWaiting = (w: WaitingInfo | null): void => {
    req.onWaiting?.(w)
    if (w == null) req.onPhase?.('downloading')
  }

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

  const maxRounds = discover ? undefined : CLIENT_SERVER_ROUNDS
  /** The manifest from the first peer that has it (checked against the CID), kept for a resume. */
  const fetchFromSwarm = async (): Promise<{ manifest: Manifest, bytes: Uint8Array }> => {
    const [fetched] = await finder.until(async conns => {
      const got = await fetchManifest({ node, cid: req.cid, log, proofFor, finder, signal }, [...conns.keys()])
      return got == null ? [] : [got]
    }, { maxRounds, withLan: true, onWaiting })
    if (fetched == null) throw new NoPeersError(whyNoPeers())
    await record.saveManifest(fetched.bytes)
    watchdog.progressed()
    return fetched
  }

  try {
    req.onPhase?.('connecting')
    const { manifest, bytes: manifestBytes } = await savedManifest(record, req.cid) ?? await fetchFromSwarm()
    return await runSwarm(deps, req, { record, outDir, manifest, manifestBytes, finder, signal, discover, announce, maxRounds, proofFor, onWaiting, watchdog, candidates })
  } catch (err) {
    // The watchdog's reason, not the abort it caused, is what the user reads.
    const reason: unknown = signal.reason
    if (signal.aborted && reason instanceof SwarmdropError && !(reason instanceof AbortedError)) throw reason
    throw err
  } finally {
    watchdog.stop()
    req.signal?.removeEventListener('abort', onCallerAbort)
    finder.stop()
    if (deps.active.get(cidText) === active) deps.active.delete(cidText)
    await record.savePeers(finder.knownPeers()).catch(() => {})
  }
}

/** The manifest an earlier run of this download saved, decoded; null when there is none. */
async function savedManifest (record: DownloadRecord, cid: CID): Promise<{ manifest: Manifest, bytes: Uint8Array } | null> {
  const bytes = await record.loadManifest()
  return bytes == null ? null : { manifest: decodeManifest(bytes, cid), bytes }
}

/** What the manifest phase hands the swarm phase. */
interface SwarmContext {
  record: DownloadRecord
  outDir: string
  manifest: Manifest
  manifestBytes: Uint8Array
  finder: PeerFinder
  signal: AbortSignal
  discover: boolean
  announce: boolean
  maxRounds: number | undefined
  proofFor: (peerId: string) => Uint8Array | undefined
  onWaiting: (w: WaitingInfo | null) => void
  watchdog: StallWatchdog
  candidates: CandidateInbox<{ peerId: string, addrs: Multiaddr[], via: DiscoveryVia }>
}

/** From a known manifest to every piece verified and in place: the download and its parts, started and stopped together. */
async function runSwarm (deps: DownloadDeps, req: DownloadRequest, ctx: SwarmContext): Promise<DownloadOutcome> {
  const { node, log } = deps
  const { record, outDir, manifest, finder, signal, discover } = ctx
  const cidText = req.cid.toString()
  const layout = pieceLayout(manifest)
  const { files, have } = await openFiles(req, record, outDir, manifest, layout)
  log('%s: %d of %d pieces already on disk', cidText, have.count(), have.size)
  const saveState = async (bitfield: Bitfield, clean: boolean, complete: boolean): Promise<void> => {
    await record.saveState({ cid: cidText, outDir, name: manifest.name, bitfield, clean, complete, files: await files.identities(), targets: files.relativeTargets() }, layout.count)
  }
  await saveState(have, false, false)

  const download: Download = new Download({
    cid: cidText,
    manifest,
    manifestBytes: ctx.manifestBytes,
    layout,
    files,
    have,
    log,
    pace: bytes => deps.downLimit.reserve(bytes),
    onReceived: (peerId, bytes) => { deps.registry.countReceived(peerId, bytes) },
    penalize: async (peerId, offence, reason) => await deps.scores.penalize(peerId, offence, reason),
    // No source left: keep looking (with backoff, through every route) until one answers.
    findPeers: async exclude => await finder.until(async conns => await links.openAll([...conns.values()]), { exclude, maxRounds: ctx.maxRounds, onWaiting: ctx.onWaiting })
  })
  const links = new SwarmLinks({
    node, cid: req.cid, download, layout, finder, bans: deps.bans, registry: deps.registry, hub: deps.hub, discover, proofFor: ctx.proofFor, log, signal,
    onLinked: id => { ctx.watchdog.metPeer(id) }
  })
  ctx.watchdog.watch(download)
  ctx.candidates.open(c => { links.add(c.peerId, c.addrs, c.via) })

  const parts = runParts({ deps, req, ctx, download, links, files, saveState })
  const unfollow = followBetterRoutes({
    node,
    routeOf: peerId => download.routeOf(peerId),
    reopen: async c => { const link = await links.open(c); if (link != null) download.addPeer(link) }
  })
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

  let completed = false
  let unsynced: Error | null
  try {
    req.onPhase?.('downloading')
    const run = download.run([], signal)
    parts.start()
    await run
    completed = true
  } finally {
    unfollow()
    await parts.stop()
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
  return outcomeOf({ cid: cidText, outDir, manifest, totalSize: layout.totalSize, targets: files.targets, sources: download.sourceSummaries(), banned: [...download.banned], secret: req.secret })
}

/** What the parts of a swarm run work on. */
interface SwarmRun {
  deps: DownloadDeps
  req: DownloadRequest
  ctx: SwarmContext
  download: Download
  links: SwarmLinks
  files: PartFiles
  saveState: (bitfield: Bitfield, clean: boolean, complete: boolean) => Promise<void>
}

/** The parts a run starts beside its download, each with its one timer: those this run has. */
function runParts ({ deps, req, ctx, download, links, files, saveState }: SwarmRun): RunParts {
  const { node, log } = deps
  const { record, finder, manifest, signal, discover, announce } = ctx
  const cidText = req.cid.toString()
  const have = download.have
  return new RunParts(
    new Checkpointer({
      have: () => download.have,
      sync: async () => {
        for (const id of download.connectedPeers()) finder.seen(id, connectedAddrs(node, id))
        await files.sync()
      },
      save: async bitfield => {
        await saveState(bitfield, false, false)
        await record.savePeers(finder.knownPeers())
      },
      onFailure: err => {
        log.error('checkpoint failed: %e', err)
        download.stop(err)
      }
    }),
    announce
      ? new SwarmPresence({
        join: () => {
          deps.feed.join(cidText)
          void deps.feed.publish(cidText, { type: 'presence', name: manifest.name, have: have.count(), total: have.size, seeding: false })
        },
        provide: () => {
          if (node.getConnections().length > 0) void node.contentRouting.provide(req.cid, { signal }).catch((err: unknown) => { log('provide %s: %s', cidText, (err as Error).message) })
        },
        publishProgress: async () => {
          const p = download.progress()
          await deps.feed.publish(cidText, { type: 'progress', bytes: p.bytes, total: p.total, speed: p.speed })
        }
      })
      : null,
    req.onProgress == null ? null : new ProgressTicker(() => req.onProgress?.(download.progress()), req.progressIntervalMs ?? 250),
    discover && !have.isComplete() ? new Discovery({ round: async () => { await links.discoverRound() }, done: () => download.finished }) : null
  )
}

/** The download's files, opened, and the pieces on disk that check out (the saved state's, re-hashed where it cannot be trusted). */
async function openFiles (req: DownloadRequest, record: DownloadRecord, outDir: string, manifest: Manifest, layout: PieceLayout): Promise<{ files: PartFiles, have: Bitfield }> {
  const state = await record.loadState(layout.count)
  const files = await PartFiles.open(outDir, manifest, layout, state?.targets)
  try {
    req.onPhase?.('checking', { bytes: 0, total: layout.totalSize })
    let checked = 0
    const have = await files.scan(state == null ? null : { bitfield: state.bitfield, clean: state.clean, files: state.files }, n => {
      checked += n
      req.onPhase?.('checking', { bytes: checked, total: layout.totalSize })
    })
    return { files, have }
  } catch (err) {
    await files.close()
    throw err
  }
}

function connectedAddrs (node: SwarmNode, peerId: string): string[] {
  return node.getConnections(peerIdFromString(peerId)).map(c => c.remoteAddr.toString()).filter(a => !isCircuit(a))
}
