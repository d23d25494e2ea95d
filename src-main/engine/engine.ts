import './polyfills.js'
import { mkdir } from 'node:fs/promises'
import { formatLink, parseCid, parseLink, type PeerHint } from '../../shared/link.js'
import { pieceCount } from '../../shared/manifest.js'
import { pieceLayout } from './content/layout.js'
import { Library, type ServedContent } from './content/library.js'
import { runDownload, type DownloadOutcome, type DownloadRequest } from './download/runner.js'
import { log } from './log.js'
import type { Encrypter } from './node/constants.js'
import { createNode, type SwarmNode } from './node/create-node.js'
import { loadOrCreateIdentity } from './node/identity.js'
import { FileHandleCache } from './storage/file-cache.js'
import { BanList, type Ban } from './store/ban-list.js'
import { ShareStore, type AddShareResult, type HashProgress, type ShareRecord } from './store/share-store.js'
import type { UploadObserver } from './protocols/pieces/uploader.js'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { UsageError } from '../../shared/errors.js'

const logger = log('engine')

export interface EngineConfig {
  dataDir: string
  listen?: string[]
  encrypters?: Encrypter[]
  uploads?: UploadObserver
}

export interface ShareOptions {
  onProgress?: (p: HashProgress) => void
  signal?: AbortSignal
}

export interface ShareResult extends AddShareResult {
  link: string
}

export interface GetOptions extends Omit<DownloadRequest, 'cid' | 'peers' | 'addrs'> {
  /** Extra peers: multiaddrs (with or without /p2p/<id>) or bare peer IDs. */
  peers?: string[]
}

export const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/0']

/**
 * The P2P engine: one libp2p node, what it shares, and what it downloads.
 * Plain Node, no Electron; every front end (CLI, daemon, app) drives this.
 */
export class Engine {
  private constructor (
    readonly node: SwarmNode,
    readonly dataDir: string,
    readonly shares: ShareStore,
    readonly bans: BanList,
    private readonly library: Library,
    private readonly reader: FileHandleCache
  ) {}

  static async create (cfg: EngineConfig): Promise<Engine> {
    await mkdir(cfg.dataDir, { recursive: true })
    const key = await loadOrCreateIdentity(cfg.dataDir)
    const shares = new ShareStore(cfg.dataDir)
    await shares.load()
    const bans = new BanList(cfg.dataDir)
    await bans.load()
    const reader = new FileHandleCache()
    const library = new Library()
    const served = new Map<string, ServedContent>()
    library.addSource({ get: cid => servedShare(shares, reader, served, cid) })
    const node = await createNode({
      privateKey: key,
      listen: cfg.listen ?? DEFAULT_LISTEN,
      content: library,
      isBanned: id => bans.isBanned(id),
      uploads: cfg.uploads,
      encrypters: cfg.encrypters
    })
    logger('node %p listening on %a', node.peerId, node.getMultiaddrs())
    return new Engine(node, cfg.dataDir, shares, bans, library, reader)
  }

  get peerId (): string {
    return this.node.peerId.toString()
  }

  /** Full dialable addresses, each ending in /p2p/<peerId>. */
  addrs (): string[] {
    return this.node.getMultiaddrs().map(a => a.toString())
  }

  async share (paths: readonly string[], opts: ShareOptions = {}): Promise<ShareResult> {
    const result = await this.shares.add(paths, opts.onProgress, opts.signal)
    return { ...result, link: this.linkFor(result.share) }
  }

  linkFor (share: ShareRecord): string {
    const addrs = this.addrs().filter(a => !a.includes('/p2p-circuit'))
    return formatLink({ cid: share.cid, name: share.manifest.name, peers: [{ peerId: this.peerId, addrs }] })
  }

  /** Downloads `target` (a link or a bare CID) into opts.outDir. */
  async get (target: string, opts: GetOptions): Promise<DownloadOutcome> {
    const link = parseLink(target)
    const hints: PeerHint[] = [...link.peers]
    const addrs: string[] = []
    for (const p of opts.peers ?? []) {
      const parsed = parsePeerArg(p)
      if (parsed.peerId == null) { addrs.push(parsed.addr!); continue }
      const existing = hints.find(h => h.peerId === parsed.peerId)
      if (existing != null) { if (parsed.addr != null) existing.addrs.push(parsed.addr) } else hints.push({ peerId: parsed.peerId, addrs: parsed.addr != null ? [parsed.addr] : [] })
    }
    return await runDownload(
      { node: this.node, dataDir: this.dataDir, library: this.library, bans: this.bans, log: log('download') },
      { ...opts, cid: parseCid(link.cid), peers: hints.filter(h => h.peerId !== this.peerId), addrs }
    )
  }

  /** Keeps serving a finished download, with no rehash. */
  async seed (outcome: DownloadOutcome, mtimes: number[]): Promise<ShareRecord> {
    return await this.shares.addVerified(outcome.manifest, outcome.files, mtimes)
  }

  listBans (): Ban[] {
    return this.bans.list()
  }

  async stop (): Promise<void> {
    await this.node.stop()
    await this.reader.closeAll()
  }
}

function servedShare (shares: ShareStore, reader: FileHandleCache, cache: Map<string, ServedContent>, cid: string): ServedContent | undefined {
  const rec = shares.get(cid)
  if (rec == null) { cache.delete(cid); return undefined }
  const hit = cache.get(cid)
  if (hit != null) return hit
  const layout = pieceLayout(rec.manifest)
  const served: ServedContent = {
    cid,
    manifestBytes: rec.manifestBytes,
    pieceCount: pieceCount(rec.manifest),
    have: () => null,
    readPiece: async index => await reader.read(rec.files[layout.fileOf[index]!]!, layout.offsetOf[index]!, layout.lengthOf[index]!)
  }
  cache.set(cid, served)
  return served
}

function parsePeerArg (arg: string): { peerId?: string, addr?: string } {
  const text = arg.trim()
  if (text.startsWith('/')) {
    let ma
    try {
      ma = multiaddr(text)
    } catch {
      throw new UsageError(`--peer "${text}" is not a valid multiaddr`)
    }
    const id = ma.getComponents().findLast(c => c.name === 'p2p')?.value
    return id == null ? { addr: ma.toString() } : { peerId: id, addr: ma.toString() }
  }
  try {
    return { peerId: peerIdFromString(text).toString() }
  } catch {
    throw new UsageError(`--peer "${text}" is neither a multiaddr nor a peer ID`)
  }
}
