import * as z from 'zod'
import { isDone, type DownloadInfo, type PieceMap } from '../../shared/api.js'
import { AbortedError, InternalError, isSwarmdropError, UnknownTransferError, UnsupportedError } from '../../shared/errors.js'
import { mergeLinks, parseLink } from '../../shared/link.js'
import { addSources, noPaths, totalPaths, TRANSFER_PATHS } from '../../shared/transfer.js'
import type { Engine, DownloadView } from '../engine/index.js'
import { log, type JsonFile } from '../engine/index.js'
import { shareInfo } from './share-info.js'
import { seedFinished } from './seed.js'
import type { EventFanout } from './event-fanout.js'

const logger = log('api:downloads')

/** Progress is sampled this often while a download runs; the event fan-out batches what it pushes. */
const PROGRESS_SAMPLE_MS = 500
const FILE = 'app-downloads.json'

/** What a shell can do with a finished download's path (Electron's shell, xdg-open, nothing). */
export interface Opener {
  open: (path: string) => Promise<void>
  reveal: (path: string) => Promise<void>
}

const route = z.enum(TRANSFER_PATHS)
const savedSource = z.object({ bytes: z.number().nonnegative(), path: route, paths: z.partialRecord(route, z.number().nonnegative()).optional() })
const savedSchema = z.array(z.object({
  id: z.string(),
  cid: z.string(),
  target: z.string(),
  peers: z.array(z.string()),
  outDir: z.string(),
  name: z.string(),
  total: z.number(),
  pieces: z.number(),
  path: z.string(),
  wanted: z.enum(['run', 'pause', 'seed', 'done']),
  addedAt: z.number(),
  finishedAt: z.number().nullable(),
  // Lists saved before these were kept have neither: a card then starts at 0 and without sources, as it did.
  bytes: z.number().nonnegative().optional(),
  sources: z.record(z.string(), savedSource).optional()
}))
type Saved = z.infer<typeof savedSchema>[number]

interface Entry {
  info: DownloadInfo
  target: string
  peers: string[]
  outDir: string
  /** What the user last asked for; survives restarts. */
  wanted: Saved['wanted']
  abort?: AbortController
  running?: Promise<void>
  view?: DownloadView
  /** Sources of earlier runs (before a pause or restart); the live run's are added on top. */
  before: DownloadInfo['sources']
}

/**
 * The app's downloads: starts them through the engine, pauses (an abort that
 * keeps every verified piece), resumes (the engine picks up from its saved
 * bitfield), cancels (forgets the state and the `.part` files), and keeps
 * seeding what finished. The list survives restarts; what was running runs again.
 */
export class DownloadManager {
  private readonly entries = new Map<string, Entry>()
  private readonly file: JsonFile<Saved[]>
  private closed = false

  constructor (
    private readonly engine: Engine,
    private readonly fanout: EventFanout,
    private readonly downloadDir: () => string,
    private readonly opener: Opener | null
  ) {
    this.file = engine.state.file(FILE, savedSchema, () => [])
  }

  async load (): Promise<void> {
    // A damaged list is moved aside and reported (never read as empty and then saved over).
    const saved = await this.file.load()
    const shared = new Set(this.engine.listShares().map(x => x.cid))
    for (const s of saved) {
      const finished = s.wanted === 'seed' || s.wanted === 'done'
      // A share stopped from elsewhere (the share list, the CLI) while we were down: the card must not say seeding.
      const seeded = s.wanted === 'seed' && shared.has(s.cid)
      const entry: Entry = {
        target: s.target,
        peers: s.peers,
        outDir: s.outDir,
        wanted: finished && !seeded ? 'done' : s.wanted,
        // What earlier runs received stays counted, and "Received from" stays on the card.
        before: s.sources ?? {},
        info: {
          id: s.id,
          cid: s.cid,
          name: s.name,
          state: finished ? (seeded ? 'seeding' : 'finished') : 'paused',
          bytes: finished ? s.total : s.bytes ?? 0,
          total: s.total,
          speed: 0,
          peers: 0,
          pieces: s.pieces,
          path: s.path,
          ...routes({}, s.sources ?? {}),
          error: null,
          waiting: null,
          stall: null,
          addedAt: s.addedAt,
          finishedAt: s.finishedAt
        }
      }
      this.entries.set(s.id, entry)
      if (s.wanted === 'run') this.run(entry)
    }
  }

  list (): DownloadInfo[] {
    return [...this.entries.values()].map(e => ({ ...e.info }))
  }

  async start (target: string, peers: string[] = []): Promise<DownloadInfo> {
    const link = parseLink(target)
    const existing = this.entries.get(link.cid)
    if (existing != null) return await this.join(existing, target, peers)
    const outDir = this.downloadDir()
    const entry: Entry = {
      target,
      peers,
      outDir,
      wanted: 'run',
      before: {},
      info: { id: link.cid, cid: link.cid, name: link.name ?? link.cid, state: 'connecting', bytes: 0, total: 0, speed: 0, peers: 0, pieces: 0, path: outDir, sources: {}, paths: noPaths(), error: null, waiting: null, stall: null, addedAt: Date.now(), finishedAt: null }
    }
    this.entries.set(entry.info.id, entry)
    this.fanout.downloadAdded({ ...entry.info })
    this.run(entry)
    await this.save()
    return { ...entry.info }
  }

  /**
   * A link pasted for a download already in the list joins it: its peers and
   * secret are merged in, and it tries them at once (resuming it if it had
   * stopped; a new secret restarts the run, since every proof changes).
   */
  private async join (entry: Entry, target: string, peers: string[]): Promise<DownloadInfo> {
    if (isDone(entry.info.state)) return { ...entry.info }
    const before = parseLink(entry.target).secret
    entry.target = mergeLinks(entry.target, target)
    entry.peers = [...new Set([...entry.peers, ...peers])]
    const secretChanged = parseLink(entry.target).secret !== before
    if (entry.running != null && (secretChanged || !this.engine.joinDownload(entry.target, entry.peers))) {
      const wanted = entry.wanted
      entry.abort?.abort()
      await entry.running
      entry.wanted = wanted
    }
    if (entry.running == null && entry.wanted !== 'pause') entry.wanted = 'run'
    if (entry.running == null) this.run(entry)
    await this.save()
    return { ...entry.info }
  }

  async pause (id: string): Promise<DownloadInfo> {
    const entry = this.get(id)
    if (entry.info.state === 'finished') return { ...entry.info }
    if (entry.info.state === 'seeding') {
      await this.engine.removeShare(entry.info.cid)
      this.fanout.emit('shareRemoved', { cid: entry.info.cid })
      await this.markFinished(entry)
      return { ...entry.info }
    }
    entry.wanted = 'pause'
    entry.abort?.abort()
    await entry.running
    this.update(entry, { state: 'paused', speed: 0, peers: 0 })
    await this.save()
    return { ...entry.info }
  }

  /** A finished download whose share was stopped (here or from the share list) is no longer seeding. */
  unshared (cid: string): void {
    const entry = this.entries.get(cid)
    if (entry == null || entry.info.state !== 'seeding') return
    void this.markFinished(entry)
  }

  private async markFinished (entry: Entry): Promise<void> {
    entry.wanted = 'done'
    this.update(entry, { state: 'finished', speed: 0, peers: 0 })
    await this.save()
  }

  /** Resumes a paused or failed download; a finished one runs again, which checks its files and seeds them. */
  async resume (id: string): Promise<DownloadInfo> {
    const entry = this.get(id)
    if (entry.running == null && entry.info.state !== 'seeding') {
      entry.wanted = 'run'
      this.run(entry)
      await this.save()
    }
    return { ...entry.info }
  }

  async cancel (id: string): Promise<void> {
    const entry = this.get(id)
    entry.wanted = 'pause'
    entry.abort?.abort()
    await entry.running
    this.entries.delete(id)
    if (entry.info.state === 'seeding') {
      await this.engine.removeShare(entry.info.cid)
      this.fanout.emit('shareRemoved', { cid: entry.info.cid })
    } else if (entry.info.state !== 'finished') {
      await this.engine.discardDownload(entry.info.cid, entry.outDir)
    }
    this.fanout.downloadRemoved(id)
    await this.save()
  }

  async open (id: string, how: 'open' | 'reveal'): Promise<void> {
    const entry = this.get(id)
    if (this.opener == null) throw new UnsupportedError('this window cannot open files on the machine running Swarmdrop')
    const done = isDone(entry.info.state)
    if (how === 'open' && !done) throw new UnsupportedError(`"${entry.info.name}" has not finished downloading`)
    const path = done ? entry.info.path : entry.outDir
    await this.opener[how](path)
  }

  /**
   * What is verified on disk, in every state: the live bitfield while it
   * runs, else the one its last run saved (paused, failed, waiting to start
   * after a restart). Availability is only known while connected: 0 then
   * means "not counted", which the map draws apart from "nobody has it".
   */
  async pieceMap (id: string): Promise<PieceMap> {
    const entry = this.get(id)
    const live = entry.view?.pieceMap()
    const pieces = entry.info.pieces
    if (live != null) return { pieces, have: Buffer.from(live.have).toString('base64'), availability: live.availability, live: true }
    let have: Uint8Array = new Uint8Array(Math.ceil(pieces / 8))
    if (isDone(entry.info.state)) {
      have.fill(0xff)
      if (pieces % 8 !== 0) have[have.length - 1] = (0xff << (8 - pieces % 8)) & 0xff
    } else {
      have = await this.engine.savedPieces(entry.info.cid, entry.outDir, pieces) ?? have
    }
    return { pieces, have: Buffer.from(have).toString('base64'), availability: new Array<number>(pieces).fill(0), live: false }
  }

  /** Stops every running download (keeping its state) without forgetting that it should run. */
  async close (): Promise<void> {
    this.closed = true
    for (const e of this.entries.values()) e.abort?.abort()
    await Promise.all([...this.entries.values()].map(async e => await e.running))
    await this.file.flushed()
  }

  private get (id: string): Entry {
    const entry = this.entries.get(id)
    if (entry == null) throw new UnknownTransferError(`no download with id ${id}`)
    return entry
  }

  private run (entry: Entry): void {
    const abort = new AbortController()
    entry.abort = abort
    this.update(entry, { state: 'connecting', error: null, speed: 0, waiting: null, stall: null })
    const job = (async () => {
      try {
        const outcome = await this.engine.get(entry.target, {
          outDir: entry.outDir,
          peers: entry.peers,
          signal: abort.signal,
          progressIntervalMs: PROGRESS_SAMPLE_MS,
          onPhase: (phase, detail) => {
            // Checking counts bytes read, not bytes verified: a resume keeps showing what it had, not 0 climbing back.
            if (phase === 'checking') this.update(entry, { state: 'checking', ...(detail != null && entry.info.bytes === 0 ? { bytes: detail.bytes, total: detail.total } : {}) })
            if (phase === 'downloading') this.update(entry, { state: 'downloading', waiting: null })
          },
          // The app never gives up on its own: no stall timeout; it says what it waits for.
          onWaiting: w => { this.update(entry, w == null ? { state: 'downloading', waiting: null } : { state: 'waiting', waiting: w, speed: 0, peers: 0 }) },
          onStalled: st => { this.update(entry, st == null ? { state: 'downloading', stall: null } : { state: 'stalled', stall: st }) },
          onStarted: view => {
            entry.view = view
            this.update(entry, { name: view.manifest.name, pieces: view.pieceCount })
            void this.save()
          },
          onProgress: p => { this.update(entry, { bytes: p.bytes, total: p.total, speed: p.speed, peers: p.peers, ...routes(entry.before, entry.view?.sources() ?? {}) }) }
        })
        const share = await seedFinished(this.engine, outcome)
        entry.wanted = 'seed'
        const done = routes(entry.before, outcome.sources)
        entry.before = done.sources
        this.update(entry, { state: 'seeding', waiting: null, stall: null, bytes: outcome.bytes, total: outcome.bytes, speed: 0, peers: 0, path: outcome.path, ...done, finishedAt: Date.now() })
        this.fanout.emit('shareAdded', shareInfo(this.engine, share))
        this.fanout.emit('downloadFinished', { id: entry.info.id, name: entry.info.name, path: outcome.path })
      } catch (err) {
        if (abort.signal.aborted || err instanceof AbortedError) {
          if (!this.closed) this.update(entry, { state: 'paused', speed: 0, peers: 0, waiting: null, stall: null })
        } else {
          const e = isSwarmdropError(err) ? err : new InternalError((err as Error).message, err)
          logger('download %s failed: %s', entry.info.cid, e.message)
          this.update(entry, { state: 'failed', speed: 0, peers: 0, waiting: null, stall: null, error: e.toData() })
        }
      } finally {
        // What this run received stays counted when the next run starts from zero.
        if (entry.view != null && entry.info.state !== 'seeding') entry.before = routes(entry.before, entry.view.sources()).sources
        entry.view = undefined
        entry.abort = undefined
        entry.running = undefined
        if (!this.closed) await this.save()
      }
    })()
    entry.running = job
  }

  private update (entry: Entry, patch: Partial<DownloadInfo>): void {
    if (!this.entries.has(entry.info.id)) return
    Object.assign(entry.info, patch)
    this.fanout.downloadChanged({ ...entry.info })
  }

  private async save (): Promise<void> {
    const rows: Saved[] = [...this.entries.values()].map(e => ({
      id: e.info.id,
      cid: e.info.cid,
      target: e.target,
      peers: e.peers,
      outDir: e.outDir,
      name: e.info.name,
      total: e.info.total,
      pieces: e.info.pieces,
      path: e.info.path,
      wanted: e.wanted,
      addedAt: e.info.addedAt,
      finishedAt: e.info.finishedAt,
      bytes: e.info.bytes,
      sources: e.info.sources
    }))
    // Saves queue behind each other, so an older list never lands after a newer one; a failed one is logged and the next writes it all.
    await this.file.save(rows).catch((err: unknown) => { logger.error('could not save downloads: %e', err) })
  }
}

/** Sources of earlier runs plus this run's, and the bytes along each route. */
function routes (before: DownloadInfo['sources'], now: DownloadInfo['sources']): Pick<DownloadInfo, 'sources' | 'paths'> {
  const sources: DownloadInfo['sources'] = { ...before }
  for (const [peer, s] of Object.entries(now)) sources[peer] = addSources(before[peer], s)
  return { sources, paths: totalPaths(sources) }
}
