import { multiaddr } from '@multiformats/multiaddr'
import type * as z from 'zod'
import { commands, type CommandName, type EventName, type Events, type PeerInfo, type Response, type Result, type Settings, type ShareInfo, type ShareStats } from '../../shared/api.js'
import { stat } from 'node:fs/promises'
import { isAbsolute } from 'node:path'
import { AbortedError, InternalError, InvalidRequestError, isSwarmdropError, PathNotFoundError, UnknownTransferError } from '../../shared/errors.js'
import type { FeedItem } from '../../shared/feed.js'
import { totalSize } from '../../shared/manifest.js'
import { parsePeerId } from '../../shared/link.js'
import type { Engine, ShareRecord } from '../engine/index.js'
import { log } from '../engine/index.js'
import type { DownloadManager } from './downloads.js'
import type { EventFanout, EventListener } from './event-fanout.js'
import type { SettingsStore } from './settings.js'
import type { UploadArea } from './browser-uploads.js'
import { shareInfo } from './share-info.js'
import { throttleProgress } from './progress.js'

const logger = log('api')

/** Feed items kept for a client that connects late. */
const FEED_BACKLOG = 200
/** Peers and throughput are sampled once a second. */
const SAMPLE_MS = 1_000

type Parsed<C extends CommandName> = z.output<(typeof commands)[C]['request']>
type Handlers = { [C in CommandName]: (request: Parsed<C>) => Promise<Response<C>> }

export interface RouterDeps {
  engine: Engine
  fanout: EventFanout
  downloads: DownloadManager
  settings: SettingsStore
  uploads: UploadArea
  shell: 'electron' | 'daemon'
  version: string
}

/**
 * The one front door to the engine for every transport (Electron IPC, the
 * daemon's WebSocket, tests): a request is parsed by its command's schema,
 * run, and answered as data — `{ ok: false, error: { code, message } }` on
 * failure, never a thrown error, because errors lose their type crossing IPC.
 */
export class Router {
  private readonly feed: FeedItem[] = []
  private readonly timers: NodeJS.Timeout[] = []
  private readonly unfeed: () => void
  private readonly unchanged: () => void
  private readonly unreach: () => void
  private readonly undamaged: () => void
  private lastPeers = new Map<string, string>()
  private lastTotals: { received: number, sent: number }
  /** Each share's stats as last pushed (JSON), so only changes go out. */
  private lastShareStats = new Map<string, { sent: number, key: string }>()
  /** Settings changed since start that the running node cannot take on. */
  private readonly restartFor = new Set<keyof Settings>()
  /** Hashing jobs running now, so one can be cancelled by its job id. */
  private readonly hashingJobs = new Map<string, AbortController>()
  private readonly handlers: Handlers

  constructor (private readonly deps: RouterDeps) {
    const { engine, fanout } = deps
    this.unfeed = engine.onFeed(item => {
      this.feed.push(item)
      if (this.feed.length > FEED_BACKLOG) this.feed.shift()
      fanout.emit('feed', item)
    })
    // A share whose file changed is shown as such (same row, with its reason).
    this.unchanged = engine.onShareChanged(share => { fanout.emit('shareAdded', this.shareInfo(share)) })
    this.unreach = engine.onConnectivity(c => { fanout.emit('connectivityChanged', c) })
    this.undamaged = engine.state.onDamaged(d => { fanout.emit('stateDamaged', d) })
    this.lastTotals = engine.totals()
    this.timers.push(setInterval(() => { this.sample() }, SAMPLE_MS))
    this.handlers = this.makeHandlers()
  }

  subscribe (listener: EventListener): () => void {
    return this.deps.fanout.subscribe(listener)
  }

  /** Runs one command from an untrusted caller. Never throws. */
  async handle (command: string, request: unknown): Promise<Result<unknown>> {
    try {
      if (!Object.hasOwn(commands, command)) throw new InvalidRequestError(`unknown command "${String(command).slice(0, 64)}"`)
      const name = command as CommandName
      const parsed = commands[name].request.safeParse(request ?? {})
      if (!parsed.success) throw new InvalidRequestError(`bad request for ${name}: ${parsed.error.issues.map(i => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ')}`)
      const handler = this.handlers[name] as (r: unknown) => Promise<unknown>
      return { ok: true, value: await handler(parsed.data) }
    } catch (err) {
      const e = isSwarmdropError(err) ? err : new InternalError((err as Error)?.message ?? String(err), err)
      if (!e.userError) logger.error('%s failed: %e', command, err)
      return { ok: false, error: e.toData() }
    }
  }

  async close (): Promise<void> {
    for (const t of this.timers) clearInterval(t)
    this.unfeed()
    this.unchanged()
    this.unreach()
    this.undamaged()
    this.deps.fanout.close()
  }

  private makeHandlers (): Handlers {
    const { engine, downloads, settings, fanout } = this.deps
    return {
      status: async () => ({
        peerId: engine.peerId,
        addrs: engine.addrs(),
        version: this.deps.version,
        shell: this.deps.shell,
        restartNeeded: this.restartFor.size > 0,
        restartFor: [...this.restartFor],
        damagedFiles: engine.state.damaged()
      }),
      listShares: async () => engine.listShares().map(s => this.shareInfo(s)),
      addShares: async ({ paths, access }) => {
        const job = `share-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
        const name = paths.length === 1 ? paths[0]!.split(/[\\/]/).filter(Boolean).pop() ?? paths[0]! : `${paths.length} items`
        const before = this.sharedRoots()
        const abort = new AbortController()
        this.hashingJobs.set(job, abort)
        const result = await engine.share(paths, {
          allow: access?.allow?.map(parsePeerId),
          secret: access?.secret,
          signal: abort.signal,
          onProgress: throttleProgress(p => { fanout.emit('hashing', { job, name, bytes: p.bytes, total: p.total }) })
        }).catch(async (err: unknown) => {
          // The progress bar goes, whatever stopped it; a browser upload that was not shared would only sit in the data folder.
          fanout.emit('hashing', { job, name, bytes: 1, total: 1 })
          await this.deps.uploads.discardIfUnused(paths, this.sharedRoots())
          throw err
        }).finally(() => { this.hashingJobs.delete(job) })
        // The same files dropped again: one copy is shared, the other would be an orphan.
        await this.deps.uploads.discardIfUnused([...before, ...paths], this.sharedRoots())
        fanout.emit('hashing', { job, name, bytes: totalSize(result.share.manifest), total: totalSize(result.share.manifest) })
        const info = this.shareInfo(result.share)
        fanout.emit('shareAdded', info)
        return info
      },
      removeShare: async ({ cid }) => {
        const roots = engine.listShares().find(s => s.cid === cid)?.roots ?? []
        if (!await engine.removeShare(cid)) throw new UnknownTransferError(`not sharing ${cid}`)
        // A browser upload exists only to be shared: once nothing shares it, its copy goes.
        await this.deps.uploads.discardIfUnused(roots, this.sharedRoots())
        fanout.emit('shareRemoved', { cid })
        downloads.unshared(cid)
        return {}
      },
      reshare: async ({ cid }) => {
        const old = engine.listShares().find(s => s.cid === cid)
        if (old == null) throw new UnknownTransferError(`not sharing ${cid}`)
        const job = `reshare-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
        const name = old.manifest.name
        const result = await engine.reshare(cid, {
          onProgress: throttleProgress(p => { fanout.emit('hashing', { job, name, bytes: p.bytes, total: p.total }) })
        })
        const total = totalSize(result.share.manifest)
        fanout.emit('hashing', { job, name, bytes: total, total })
        if (result.share.cid !== cid) fanout.emit('shareRemoved', { cid })
        const info = this.shareInfo(result.share)
        fanout.emit('shareAdded', info)
        return info
      },
      cancelHashing: async ({ job }) => {
        const abort = this.hashingJobs.get(job)
        abort?.abort(new AbortedError('hashing was cancelled'))
        return { cancelled: abort != null }
      },
      listDownloads: async () => downloads.list(),
      startDownload: async ({ target, peers }) => await downloads.start(target.trim(), peers),
      pauseDownload: async ({ id }) => await downloads.pause(id),
      resumeDownload: async ({ id }) => await downloads.resume(id),
      cancelDownload: async ({ id }) => { await downloads.cancel(id); return {} },
      openDownload: async ({ id }) => { await downloads.open(id, 'open'); return {} },
      showDownloadInFolder: async ({ id }) => { await downloads.open(id, 'reveal'); return {} },
      pieceMap: async ({ id }) => downloads.pieceMap(id),
      browsePeer: async ({ peer }) => await engine.browse(peer.trim(), AbortSignal.timeout(60_000)),
      listPeers: async () => engine.peers(),
      connectivity: async ({ recheck }) => recheck === true ? await engine.checkReachability() : engine.connectivity(),
      listFeed: async () => [...this.feed],
      listBans: async () => engine.listBans().map(b => ({ peerId: b.peerId, reason: b.reason, until: b.until })),
      unban: async ({ peerId }) => ({ wasBanned: await engine.unban(parsePeerId(peerId)) }),
      setShareAccess: async ({ cid, allow, secret }) => {
        if (engine.listShares().find(s => s.cid === cid) == null) throw new UnknownTransferError(`not sharing ${cid}`)
        const share = await engine.setShareAccess(cid, { allow: allow?.map(parsePeerId), secret: secret === 'none' ? null : secret })
        const info = this.shareInfo(share)
        // The link changed (a new secret, or none): clients replace the row.
        fanout.emit('shareAdded', info)
        return info
      },
      getSettings: async () => settings.get(),
      setSettings: async patch => await this.updateSettings(patch)
    }
  }

  private async updateSettings (patch: Partial<Settings>): Promise<Settings> {
    const { engine, settings } = this.deps
    if (patch.hubAddr != null && patch.hubAddr !== '') {
      try {
        if (!multiaddr(patch.hubAddr).toString().includes('/p2p/')) throw new Error('no /p2p/<peer ID> at the end')
      } catch (err) {
        throw new InvalidRequestError(`hub address is not a full multiaddr: ${(err as Error).message}`)
      }
    }
    const before = settings.get()
    if (patch.downloadDir != null && patch.downloadDir !== before.downloadDir) await mustBeFolder(patch.downloadDir)
    const after = await settings.update(patch)
    engine.setLimits({ up: after.upLimit, down: after.downLimit })
    for (const key of RESTART_SETTINGS) if (before[key] !== after[key]) this.restartFor.add(key)
    return after
  }

  /** Every path some share is served from: what an upload copy must not be deleted under. */
  private sharedRoots (): string[] {
    return this.deps.engine.listShares().flatMap(s => s.roots)
  }

  private shareInfo (s: ShareRecord): ShareInfo {
    return shareInfo(this.deps.engine, s, this.deps.uploads.holdsAll(s.roots))
  }

  /** Once a second: what changed among the peers, and bytes per second each way. */
  private sample (): void {
    const { engine, fanout } = this.deps
    const upsert: PeerInfo[] = []
    const now = new Map<string, string>()
    for (const p of engine.peers()) {
      const key = JSON.stringify(p)
      now.set(p.peerId, key)
      if (this.lastPeers.get(p.peerId) !== key) upsert.push(p)
    }
    const remove = [...this.lastPeers.keys()].filter(id => !now.has(id))
    this.lastPeers = now
    if (upsert.length > 0 || remove.length > 0) fanout.emit('peersChanged', { upsert, remove })
    const totals = engine.totals()
    fanout.emit('throughput', { at: Date.now(), up: totals.sent - this.lastTotals.sent, down: totals.received - this.lastTotals.received })
    this.lastTotals = totals
    const stats = this.shareStats()
    if (stats.length > 0) fanout.emit('shareStats', stats)
  }

  /** The shares whose upload changed since the last sample, with bytes per second over it. */
  private shareStats (): ShareStats[] {
    const changed: ShareStats[] = []
    for (const s of this.deps.engine.uploadStats()) {
      const last = this.lastShareStats.get(s.cid)
      const row: ShareStats = { cid: s.cid, sent: s.bytes, speed: Math.max(0, (s.bytes - (last?.sent ?? 0)) * 1000 / SAMPLE_MS), peers: s.connected, servedTo: s.servedTo }
      const key = JSON.stringify(row)
      if (last?.key === key) continue
      this.lastShareStats.set(s.cid, { sent: s.bytes, key })
      changed.push(row)
    }
    return changed
  }
}

export type { EventName, Events }

/** Settings the node reads once, at start. */
const RESTART_SETTINGS = ['listenPort', 'publicDht', 'hubAddr', 'portMapping'] as const satisfies ReadonlyArray<keyof Settings>

/** A download folder must be there already: a typo would otherwise fail every download later, far from the field. */
async function mustBeFolder (path: string): Promise<void> {
  if (!isAbsolute(path)) throw new InvalidRequestError(`the download folder must be a full path, not "${path}"`)
  const st = await stat(path).catch(() => null)
  if (st == null) throw new PathNotFoundError(`there is no folder ${path}`)
  if (!st.isDirectory()) throw new PathNotFoundError(`${path} is a file, not a folder`)
}
