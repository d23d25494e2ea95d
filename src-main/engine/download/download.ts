import type { Uint8ArrayList } from 'uint8arraylist'
import type { Bitfield } from '../../../shared/bitfield.js'
import { isViolation } from '../protocols/violations.js'
import type { Offence } from '../trust/peer-scores.js'
import { AccessDeniedError, AbortedError, NoPeersError, ProtocolViolationError, SwarmdropError, TimeoutError } from '../../../shared/errors.js'
import type { Manifest } from '../../../shared/manifest.js'
import { noPaths, summarize, type SourceSummary, type StallInfo, type TransferPath } from '../../../shared/transfer.js'
import { pieceMatches, type PieceLayout } from '../storage/piece-layout.js'
import type { ServedContent } from '../content/library.js'
import type { Logger } from '../base/log.js'
import type { PartFiles } from '../storage/part-files.js'
import { PeerSession, type PeerLink } from './peer-session.js'
import { PiecePicker } from './picker.js'

export type { PeerLink, PieceSource } from './peer-session.js'
import { BAN_AFTER_HASH_FAILURES, CHOKED_TIMEOUT_MS, MAX_PENDING_WRITE_BYTES, ENDGAME_MAX_DUPLICATES, MAX_DEPTH, MAX_IN_FLIGHT_BYTES, SPEED_WINDOW_MS, STALL_TIMEOUT_MS, TICK_MS } from './constants.js'

export interface DownloadInit {
  cid: string
  manifest: Manifest
  manifestBytes: Uint8Array
  layout: PieceLayout
  files: PartFiles
  have: Bitfield
  /** Called when no peer is left; resolves once there are new peers, or to none to give up (a client-server run). */
  findPeers: (exclude: ReadonlySet<string>) => Promise<PeerLink[]>
  /** Charges a peer for misbehaving; resolves true when that got it banned. */
  penalize: (peerId: string, offence: Offence, reason: string) => Promise<boolean>
  /** Download pacing: 0 when a request for `bytes` may go now, else ms to wait. */
  pace?: (bytes: number) => number
  /** Bytes received from a peer (tit-for-tat bookkeeping). */
  onReceived?: (peerId: string, bytes: number) => void
  log: Logger
}

export interface SourceStats {
  bytes: number
  /** The route of its current channel. */
  path: TransferPath
  /** Bytes along each route: a relayed peer that went direct mid-download has two. */
  paths: Record<TransferPath, number>
}

export interface DownloadProgress {
  bytes: number
  total: number
  speed: number
  peers: number
}

/**
 * One download: asks every connected peer for pieces at once, verifies each
 * piece against the manifest before writing it, and finishes each file as
 * soon as its last piece lands. Peers come and go; pieces in flight to a
 * peer that leaves go back to the pool.
 */
export class Download {
  readonly have: Bitfield
  readonly sources = new Map<string, SourceStats>()
  readonly banned = new Set<string>()
  private readonly picker: PiecePicker
  private readonly sessions = new Map<string, PeerSession>()
  /** Peers that sent a bad copy of a piece are not asked for it again. */
  private readonly badFrom = new Map<number, Set<string>>()
  private readonly writing = new Set<number>()
  private readonly writes = new Set<Promise<void>>()
  private readonly maxDepth: number
  private verifiedBytes = 0
  private readonly received: Array<[number, number]> = []
  private readonly haveListeners = new Set<(index: number) => void>()
  private finishing: Promise<void> = Promise.resolve()
  private settle?: { resolve: () => void, reject: (err: Error) => void }
  private done = false
  private searching = false
  private tick?: NodeJS.Timeout
  private pacer?: NodeJS.Timeout
  private lastFailure?: string
  private stalledSince?: number
  /** Set when a private share's sharer shut us out: that, not "no peers", is why we stop. */
  private denied?: AccessDeniedError

  constructor (private readonly init: DownloadInit) {
    this.have = init.have
    this.picker = new PiecePicker(this.have)
    this.maxDepth = Math.max(1, Math.min(MAX_DEPTH, Math.floor(MAX_IN_FLIGHT_BYTES / init.layout.pieceSize)))
    for (let i = 0; i < this.have.size; i++) if (this.have.get(i)) this.verifiedBytes += init.layout.lengthOf[i]!
  }

  /** The deepest pipeline any peer gets; channels size their read buffers from it. */
  get maxInFlight (): number {
    return this.maxDepth
  }

  /** This download as content others can fetch from (the pieces verified so far). */
  asServed (): ServedContent {
    return {
      cid: this.init.cid,
      manifestBytes: this.init.manifestBytes,
      pieceCount: this.have.size,
      pieceLength: index => this.init.layout.lengthOf[index]!,
      have: () => this.have.isComplete() ? null : this.have,
      readPiece: async index => await this.init.files.readPiece(index),
      onHave: listener => {
        this.haveListeners.add(listener)
        return () => this.haveListeners.delete(listener)
      }
    }
  }

  progress (): DownloadProgress {
    const now = Date.now()
    while (this.received.length > 0 && this.received[0]![0] < now - SPEED_WINDOW_MS) this.received.shift()
    const bytes = this.received.reduce((n, [, b]) => n + b, 0)
    return { bytes: this.verifiedBytes, total: this.init.layout.totalSize, speed: Math.round(bytes * 1000 / SPEED_WINDOW_MS), peers: this.sessions.size }
  }

  /** Which pieces we have, and how many connected peers have each: the UI's piece map. */
  pieceMap (): { have: Uint8Array, availability: number[] } {
    return { have: this.have.bytes.slice(), availability: Array.from(this.picker.availability) }
  }

  /**
   * Peers are connected but nothing moves and the missing pieces have no good
   * source: every peer that has them sent a bad copy, or none has them.
   * Null while anything is in flight or any missing piece has a good source
   * (waiting on a choke is not a stall).
   */
  stall (): StallInfo | null {
    const sessions = [...this.sessions.values()]
    const moving = this.done || sessions.length === 0 || this.writing.size > 0 || sessions.some(s => s.inFlight.size > 0)
    const stuck: number[] = []
    const failedBy = new Set<string>()
    let unavailable = 0
    if (!moving) {
      for (const i of this.have.missing()) {
        const bad = this.badFrom.get(i)
        let held = false
        let good = false
        for (const s of sessions) {
          if (!s.link.channel.have.get(i)) continue
          held = true
          if (bad?.has(s.link.peerId) !== true) { good = true; break }
        }
        if (good) { stuck.length = 0; break }
        stuck.push(i)
        if (!held) unavailable++
        for (const p of bad ?? []) failedBy.add(p)
      }
    }
    if (stuck.length === 0) {
      this.stalledSince = undefined
      return null
    }
    this.stalledSince ??= Date.now()
    return { since: this.stalledSince, pieces: stuck.length, sample: stuck.slice(0, 8), failedBy: [...failedBy], unavailable }
  }

  /** Peers we are downloading from right now. */
  connectedPeers (): string[] {
    return [...this.sessions.keys()]
  }

  /** The last thing a peer did wrong (a bad piece, a ban, a denial): part of why a download has no source. */
  get failure (): string | undefined {
    return this.lastFailure
  }

  get finished (): boolean {
    return this.done
  }

  /** Resolves when every piece is verified and every file is in place. */
  async run (peers: PeerLink[], signal?: AbortSignal): Promise<void> {
    const finished = new Promise<void>((resolve, reject) => { this.settle = { resolve, reject } })
    const onAbort = (): void => { this.fail(new AbortedError('download stopped')) }
    signal?.addEventListener('abort', onAbort)
    this.tick = setInterval(() => { this.onTick() }, TICK_MS)
    try {
      for (const p of peers) this.addPeer(p)
      this.checkComplete()
      if (!this.done && this.sessions.size === 0) this.searchPeers()
      await finished
    } finally {
      signal?.removeEventListener('abort', onAbort)
      clearInterval(this.tick)
      clearTimeout(this.pacer)
      for (const s of this.sessions.values()) s.link.channel.close()
      this.sessions.clear()
      await Promise.allSettled([...this.writes])
      await this.finishing.catch(() => {})
    }
  }

  /** Who sent us bytes in this run, how many, and along which routes. */
  sourceSummaries (): Record<string, SourceSummary> {
    return Object.fromEntries([...this.sources].filter(([, v]) => v.bytes > 0).map(([k, v]) => [k, summarize(v.bytes, v.path, v.paths)]))
  }

  /** The route of the channel we download from `peerId` on now. */
  routeOf (peerId: string): TransferPath | undefined {
    return this.sessions.get(peerId)?.link.path
  }

  addPeer (link: PeerLink): void {
    if (this.done || this.banned.has(link.peerId)) {
      link.channel.close()
      return
    }
    const old = this.sessions.get(link.peerId)
    const s = new PeerSession(link)
    this.sessions.set(link.peerId, s)
    // A second channel to the same peer (two routes found it at once, or it came back): the new one
    // takes over. Not through removeSession, which would find no peer left and search again, whose
    // answer would be this peer once more, replacing this session in turn.
    if (old != null) {
      this.retire(old)
      old.link.channel.close()
    }
    const src = this.sources.get(link.peerId)
    if (src == null) this.sources.set(link.peerId, { bytes: 0, path: link.path, paths: noPaths() })
    else src.path = link.path
    this.picker.addPeer(link.channel.have)
    this.init.log('%s: downloading from %s (%s, has %d/%d pieces)', this.init.cid, link.peerId, link.path, link.channel.have.count(), link.channel.have.size)
    const ch = link.channel
    ch.on('piece', (index, data) => { this.onPiece(s, index, data) })
    ch.on('reject', index => { this.release(s, index); this.fill(s) })
    ch.on('have', index => {
      this.init.log.trace('%s has piece %d (choked: %s, in flight: %d)', link.peerId, index, ch.choked, s.inFlight.size)
      this.picker.peerGained(index)
      this.fill(s)
    })
    ch.on('choke', choked => {
      if (choked) {
        // The uploader dropped our queue; what is already on the wire may still land.
        for (const index of s.choked()) this.picker.released(index)
        for (const other of this.sessions.values()) if (other !== s) this.fill(other)
      } else {
        s.lastDelivery = Date.now()
        this.fill(s)
      }
    })
    ch.on('close', err => {
      if (this.sessions.get(link.peerId) === s) {
        if (err != null) this.init.log('peer %s left: %s', link.peerId, err.message)
        // An oversized or malformed frame from the uploader is its fault, not the network's.
        if (err != null && isViolation(err)) void this.init.penalize(link.peerId, 'violation', err.message)
        if (err instanceof AccessDeniedError) { this.lastFailure = err.message; this.denied = err }
        this.removeSession(s)
      }
    })
    ch.run()
    this.fill(s)
  }

  private fill (s: PeerSession): void {
    if (this.done || !this.sessions.has(s.link.peerId) || s.link.channel.choked) return
    const peerId = s.link.peerId
    const skip = (i: number): boolean => s.inFlight.has(i) || this.writing.has(i) || this.badFrom.get(i)?.has(peerId) === true
    const target = s.depth(this.init.layout.pieceSize, this.maxDepth)
    while (s.inFlight.size < target) {
      if (this.writing.size * this.init.layout.pieceSize >= MAX_PENDING_WRITE_BYTES) break
      let index = this.picker.pick(s.link.channel.have, skip)
      if (index === -1 && this.picker.allRequested()) index = this.picker.pickEndgame(s.link.channel.have, skip, ENDGAME_MAX_DUPLICATES)
      if (index === -1) break
      const wait = this.init.pace?.(this.init.layout.lengthOf[index]!) ?? 0
      if (wait > 0) {
        this.schedulePaced(wait)
        break
      }
      s.requested(index)
      this.picker.requested(index)
      s.link.channel.request(index)
    }
  }

  private schedulePaced (ms: number): void {
    if (this.pacer != null) return
    this.pacer = setTimeout(() => {
      this.pacer = undefined
      for (const s of this.sessions.values()) this.fill(s)
    }, ms)
  }

  private onPiece (s: PeerSession, index: number, data: Uint8ArrayList): void {
    // A session already replaced or dropped: its requests were released, so its pieces are strays.
    if (this.done || this.sessions.get(s.link.peerId) !== s) return
    const src = this.sources.get(s.link.peerId)!
    src.bytes += data.byteLength
    src.paths[s.link.path] += data.byteLength
    this.init.onReceived?.(s.link.peerId, data.byteLength)
    const now = Date.now()
    this.received.push([now, data.byteLength])
    s.delivered(data.byteLength, now)
    if (!s.inFlight.has(index)) {
      if (s.takeLate(index)) { this.fill(s); return }
      this.punish(s, new ProtocolViolationError(`sent piece ${index}, which was never requested`))
      return
    }
    s.inFlight.delete(index)
    if (this.have.get(index) || this.writing.has(index)) {
      // An endgame duplicate that lost the race.
      this.picker.released(index)
      this.fill(s)
      return
    }
    const ok = index < this.have.size && data.byteLength === this.init.layout.lengthOf[index] && this.verify(index, data)
    if (!ok) {
      this.picker.released(index)
      this.onBadPiece(s, index)
      return
    }
    this.writing.add(index)
    const chunks = [...data]
    const write = this.init.files.writePiece(index, chunks).then(() => {
      const wasFull = this.writing.size * this.init.layout.pieceSize >= MAX_PENDING_WRITE_BYTES
      this.writing.delete(index)
      if (wasFull) for (const other of this.sessions.values()) this.fill(other)
      this.picker.released(index)
      this.have.set(index)
      this.verifiedBytes += this.init.layout.lengthOf[index]!
      for (const l of this.haveListeners) l(index)
      // Every uploader that does not hold everything hears of it, even one that showed us the piece:
      // a seeder seeding for the first time counts a piece it showed us as handed out until we say
      // we have it, and shows us nothing new while four such sit unclaimed (a piece we then got
      // from a liar elsewhere stayed stuck for good).
      for (const other of this.sessions.values()) if (!other.link.channel.have.isComplete()) other.link.channel.announce(index)
      this.cancelElsewhere(index, s)
      this.maybeFinishFile(this.init.layout.fileOf[index]!)
      this.checkComplete()
    }, (err: unknown) => {
      this.writing.delete(index)
      this.picker.released(index)
      this.fail(err as Error)
    })
    this.writes.add(write)
    void write.finally(() => this.writes.delete(write))
    this.fill(s)
  }

  private verify (index: number, data: Uint8ArrayList): boolean {
    return pieceMatches(this.init.manifest, index, data)
  }

  private onBadPiece (s: PeerSession, index: number): void {
    const peerId = s.link.peerId
    s.hashFails++
    let set = this.badFrom.get(index)
    if (set == null) { set = new Set(); this.badFrom.set(index, set) }
    set.add(peerId)
    this.init.log('piece %d from %s failed its hash check (%d so far)', index, peerId, s.hashFails)
    this.lastFailure = `peer ${peerId} sent pieces that failed their hash check`
    void this.init.penalize(peerId, 'hash-fail', `sent ${s.hashFails} piece(s) that failed their hash check`).then(banned => {
      if (!banned) return
      this.banned.add(peerId)
      this.lastFailure = `peer ${peerId} was banned after sending ${s.hashFails} corrupt pieces`
      if (this.sessions.get(peerId) === s) this.dropPeer(s)
    }, () => {})
    if (s.hashFails >= BAN_AFTER_HASH_FAILURES) {
      // Whatever its score elsewhere, this download stops asking it.
      this.banned.add(peerId)
      this.dropPeer(s)
      return
    }
    this.fill(s)
    // The piece is free again: someone else may have it.
    for (const other of this.sessions.values()) if (other !== s) this.fill(other)
  }

  private punish (s: PeerSession, err: SwarmdropError): void {
    this.init.log('dropping %s: %s', s.link.peerId, err.message)
    void this.init.penalize(s.link.peerId, err instanceof TimeoutError ? 'timeout' : 'violation', err.message).catch(() => {})
    this.lastFailure = `peer ${s.link.peerId}: ${err.message}`
    this.dropPeer(s, err)
  }

  private cancelElsewhere (index: number, except: PeerSession): void {
    for (const other of this.sessions.values()) {
      if (other === except || !other.inFlight.has(index)) continue
      other.inFlight.delete(index)
      other.expectLate(index)
      this.picker.released(index)
      other.link.channel.cancel(index)
      this.fill(other)
    }
  }

  private release (s: PeerSession, index: number): void {
    if (s.inFlight.delete(index)) this.picker.released(index)
  }

  private dropPeer (s: PeerSession, err?: Error): void {
    this.removeSession(s)
    s.link.channel.close(err)
  }

  private removeSession (s: PeerSession): void {
    if (this.sessions.get(s.link.peerId) !== s) return
    this.sessions.delete(s.link.peerId)
    this.retire(s)
    for (const other of this.sessions.values()) this.fill(other)
    if (!this.done && this.sessions.size === 0) this.searchPeers()
  }

  /** What a session held goes back to the pool: its pieces' availability and its requests. */
  private retire (s: PeerSession): void {
    this.picker.removePeer(s.link.channel.have)
    for (const index of s.inFlight.keys()) this.picker.released(index)
    s.inFlight.clear()
  }

  private searchPeers (): void {
    if (this.searching || this.done) return
    this.searching = true
    this.init.findPeers(this.banned).then(found => {
      this.searching = false
      for (const p of found) this.addPeer(p)
      if (!this.done && this.sessions.size === 0) {
        const why = this.lastFailure ?? 'no peer that has this content could be reached'
        this.fail(this.denied ?? new NoPeersError(`download cannot continue: ${why}`))
      }
    }, (err: unknown) => {
      this.searching = false
      this.fail(err as Error)
    })
  }

  private onTick (): void {
    const now = Date.now()
    for (const s of [...this.sessions.values()]) {
      s.sample(TICK_MS / 1000)
      if (s.link.channel.choked && now - s.lastDelivery > CHOKED_TIMEOUT_MS) {
        this.punish(s, new TimeoutError(`kept us choked for ${Math.round(CHOKED_TIMEOUT_MS / 1000)} s`))
        continue
      }
      if (s.inFlight.size > 0 && now - s.lastDelivery > STALL_TIMEOUT_MS) {
        this.punish(s, new TimeoutError(`sent nothing for ${Math.round(STALL_TIMEOUT_MS / 1000)} s with requests pending`))
        continue
      }
      this.fill(s)
    }
  }

  private maybeFinishFile (file: number): void {
    const { firstPiece } = this.init.layout
    for (let i = firstPiece[file]!; i < firstPiece[file + 1]!; i++) if (!this.have.get(i)) return
    // Not chained: files finish in batches, so a batch must be able to fill.
    const finished = this.init.files.finishFile(file)
    finished.catch((err: unknown) => { this.fail(err as Error) })
    this.finishing = Promise.all([this.finishing, finished]).then(() => {})
  }

  private checkComplete (): void {
    if (this.done || !this.have.isComplete()) return
    this.done = true
    for (const s of this.sessions.values()) s.link.channel.close()
    // Files with no pieces (empty ones) and any not yet renamed.
    const all = Promise.all(this.init.manifest.files.map(async (_, f) => { await this.init.files.finishFile(f) }))
    void this.init.files.flushFinished()
    this.finishing = Promise.all([this.finishing, all]).then(() => {})
    this.finishing.then(() => this.settle?.resolve(), (err: unknown) => this.settle?.reject(err as Error))
  }

  /** Ends the download with `err` (the disk failed under it): what is verified stays verified. */
  stop (err: Error): void {
    this.fail(err)
  }

  private fail (err: Error): void {
    if (this.done) return
    this.done = true
    this.settle?.reject(err)
  }
}
