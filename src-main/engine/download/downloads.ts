import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { CatalogEntry } from '../../../shared/catalog.js'
import { PeerUnreachableError, UsageError } from '../../../shared/errors.js'
import { parseCid, parseLink, type PeerHint } from '../../../shared/link.js'
import { PUBLIC } from '../access/share-access.js'
import type { Library } from '../content/library.js'
import type { ActiveDownload } from '../swarm/active-downloads.js'
import { runDownload, type DownloadDeps, type DownloadOutcome, type DownloadRequest } from './runner.js'
import { discardDownload, savedPieces } from './saved-download.js'
import { boundedDial, dialPeer } from '../node/dial.js'
import type { HubRef } from '../node/hub-ref.js'
import { log } from '../base/log.js'
import { peerIdOf } from '../base/addresses.js'
import type { Connector } from '../node/connector.js'
import type { SwarmNode } from '../node/create-node.js'
import type { BanList } from '../persistence/ban-list.js'
import type { StateFiles } from '../persistence/json-file.js'
import type { ShareRecord, ShareRecords } from '../persistence/share-records.js'
import type { Announcer } from '../sharing/announcer.js'
import type { SwarmFeed } from '../swarm/feed.js'
import type { SwarmRegistry } from '../swarm/registry.js'
import type { PeerScores } from '../trust/peer-scores.js'
import { RateLimit, TokenBucket } from '../base/token-bucket.js'

export interface GetOptions extends Omit<DownloadRequest, 'cid' | 'peers' | 'addrs' | 'leechOnly'> {
  /** Extra peers: multiaddrs (with or without /p2p/<id>) or bare peer IDs. */
  peers?: string[]
}

export interface DownloadsComponents {
  node: SwarmNode
  state: StateFiles
  library: Library
  bans: BanList
  scores: PeerScores
  registry: SwarmRegistry
  feed: SwarmFeed
  shares: ShareRecords
  /** Downloads running now, by content ID (the uploads part offers them the peers that ask us). */
  active: Map<string, ActiveDownload>
  connector: Connector
  announcer: Announcer
}

/** Fetching: downloads by link or CID, seeding what finished, and browsing a peer's catalog. */
export class Downloads {
  private readonly bucket: TokenBucket
  private readonly limit: RateLimit

  constructor (private readonly components: DownloadsComponents, private readonly init: { downLimit: number, leechOnly: boolean }) {
    this.bucket = new TokenBucket(init.downLimit)
    this.limit = new RateLimit([this.bucket])
  }

  /** Bytes per second, 0 for none; takes effect at once. */
  setRate (bytesPerSecond: number): void {
    this.bucket.setRate(bytesPerSecond)
  }

  /** Downloads `target` (a link or a bare CID) into opts.outDir. */
  async get (target: string, opts: GetOptions): Promise<DownloadOutcome> {
    const { connector, announcer, node } = this.components
    const link = parseLink(target)
    const { hints, addrs } = peerHints(link.peers, opts.peers ?? [])
    if (hints.length === 0 && addrs.length === 0) await connector.waitForLan(opts.signal)
    // Read live: a hub found while the download runs serves its later fallbacks.
    return await this.pull({ ...opts,
      onStarted: view => {
        // A leecher is a holder too: others may fetch its verified pieces.
        if (!this.init.leechOnly && link.secret == null) void announcer.announceToTracker([link.cid])
        opts.onStarted?.(view)
      }, cid: parseCid(link.cid), peers: hints.filter(h => h.peerId !== node.peerId.toString()), addrs, leechOnly: this.init.leechOnly, secret: link.secret }, () => connector.hub, 'download')
  }

  /** Runs one download with this node's peers, limits and trust; the hub's store pulls pushed shares through it too. */
  async pull (request: DownloadRequest, hub: () => HubRef | undefined, logName: string): Promise<DownloadOutcome> {
    const { node, state, library, bans, scores, registry, feed, active } = this.components
    const deps: DownloadDeps = { node, state, library, bans, scores, registry, feed, active, downLimit: this.limit, hub, log: log(logName) }
    return await runDownload(deps, request)
  }

  /**
   * Hands a running download of the link's content the link's peers (a link
   * pasted again): they are tried at once. False when it is not running.
   */
  joinDownload (target: string, peers: string[] = []): boolean {
    const link = parseLink(target)
    const running = this.components.active.get(link.cid)
    if (running == null) return false
    running.addHints(peerHints(link.peers, peers).hints.filter(h => h.peerId !== this.components.node.peerId.toString()))
    return true
  }

  /** Keeps serving a finished download, with no rehash. */
  async seed (outcome: DownloadOutcome, mtimes: number[]): Promise<ShareRecord> {
    // A private share stays private in the hands of those it was given to.
    const share = await this.components.shares.addVerified(outcome.manifest, outcome.files, mtimes, outcome.secret != null ? { allow: [], secret: outcome.secret } : PUBLIC)
    if (!this.init.leechOnly) await this.components.announcer.announce(share)
    return share
  }

  /** A stopped download's verified pieces, from its saved state. */
  async savedPieces (cid: string, outDir: string, pieces: number): Promise<Uint8Array | null> {
    return await savedPieces(this.components.state, cid, outDir, pieces)
  }

  /** Forgets an unfinished download: its state and its `.part` files. */
  async discardDownload (cid: string, outDir: string): Promise<void> {
    await discardDownload(this.components.state, cid, outDir)
  }

  /** What `peer` (a peer ID, found through the DHT, or a multiaddr) shares. */
  async browse (peer: string, signal?: AbortSignal): Promise<{ peerId: string, entries: CatalogEntry[] }> {
    const { node, connector } = this.components
    const parsed = parsePeerArg(peer)
    let id: PeerId
    if (parsed.peerId != null) {
      id = peerIdFromString(parsed.peerId)
      if (parsed.addr != null) {
        await dialPeer(node, parsed.peerId, [multiaddr(parsed.addr)], signal)
      } else if (node.getConnections(id).length === 0) {
        await connector.findAndDial(id, signal)
      }
    } else {
      const conn = await boundedDial(node, multiaddr(parsed.addr!), signal).catch((err: unknown) => {
        throw new PeerUnreachableError(`cannot reach ${parsed.addr}: ${(err as Error).message}`, err)
      })
      id = conn.remotePeer
    }
    return { peerId: id.toString(), entries: await node.services.catalog.fetch(id, { signal }) }
  }
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
    const id = peerIdOf(ma)
    return id == null ? { addr: ma.toString() } : { peerId: id, addr: ma.toString() }
  }
  try {
    return { peerId: peerIdFromString(text).toString() }
  } catch {
    throw new UsageError(`"${text}" is neither a multiaddr nor a peer ID`)
  }
}
