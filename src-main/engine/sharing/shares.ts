import { stat } from 'node:fs/promises'
import type { PeerId } from '@libp2p/interface'
import type { CatalogEntry } from '../../../shared/catalog.js'
import { ShareChangedError, UsageError } from '../../../shared/errors.js'
import { formatLink } from '../../../shared/link.js'
import { pieceCount } from '../../../shared/manifest.js'
import { isPrivate, mayAccess, newSecret, PUBLIC, type ShareAccess } from '../access/share-access.js'
import { pieceLayout } from '../storage/piece-layout.js'
import type { Library, ServedContent } from '../content/library.js'
import { SMALL_FILE_BYTES } from '../storage/small-files.js'
import { SharedFileReader } from '../content/shared-file-reader.js'
import type { ActiveDownload } from '../swarm/active-downloads.js'
import { log } from '../base/log.js'
import { rankForSharing } from '../base/addresses.js'
import type { SwarmNode } from '../node/create-node.js'
import type { AddShareResult, HashProgress, ShareRecord, ShareRecords } from '../persistence/share-records.js'
import { SHARE_CHANGED_MESSAGE } from '../protocols/pieces/uploader.js'
import { compareStamp } from '../storage/file-stamp.js'
import type { FileHandleCache } from '../storage/file-cache.js'
import type { SwarmFeed } from '../swarm/feed.js'
import type { Uploads } from '../serving/uploads.js'
import { catalogEntry, type Announcer } from './announcer.js'

const logger = log('engine')

/**
 * Shared files are looked at this often even when nobody asks for a piece, so a
 * changed one leaves the DHT, the catalog and the UI soon. A stat per file: a
 * library of ten thousand files costs a few milliseconds a minute.
 */
const CHECK_SHARES_MS = 60_000

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

export interface SharesComponents {
  node: SwarmNode
  store: ShareRecords
  reader: FileHandleCache
  library: Library
  feed: SwarmFeed
  announcer: Announcer
  uploads: Uploads
  active: ReadonlyMap<string, ActiveDownload>
}

/**
 * What we share, from hashing to removal: who may fetch it, its link, and
 * taking it out of service the moment one of its files changes on disk.
 * Serves the shares' pieces to the library the protocols read from.
 */
export class Shares {
  private readonly changeListeners = new Set<(share: ShareRecord) => void>()
  private readonly served = new Map<string, ServedContent>()
  private readonly files: SharedFileReader
  private timer?: NodeJS.Timeout

  constructor (private readonly components: SharesComponents) {
    this.files = new SharedFileReader(components.reader, Date.now, undefined, undefined, SMALL_FILE_BYTES)
    components.library.addSource({
      get: cid => this.servedShare(cid),
      whyGone: cid => components.store.get(cid)?.changed != null ? SHARE_CHANGED_MESSAGE : undefined
    })
  }

  async start (): Promise<void> {
    // Files that changed while we were not running: those shares are not announced, listed or served.
    await this.checkShares()
    this.timer = setInterval(() => { void this.checkShares() }, CHECK_SHARES_MS)
  }

  stop (): void {
    clearInterval(this.timer)
  }

  private get peerId (): string {
    return this.components.node.peerId.toString()
  }

  async share (paths: readonly string[], opts: ShareOptions = {}): Promise<ShareResult> {
    const access: ShareAccess = { allow: [...new Set(opts.allow ?? [])], secret: opts.secret === true ? newSecret() : null }
    const result = await this.components.store.add(paths, opts.onProgress, opts.signal, access)
    await this.components.announcer.announce(result.share)
    void this.components.announcer.announceToTracker([result.share.cid])
    return { ...result, link: this.linkFor(result.share) }
  }

  /**
   * Changes who may fetch a share: `secret: 'rotate'` issues a new secret (old
   * links stop working), `null` drops it. Downloaders being served right now
   * are checked again and cut off if they no longer qualify.
   */
  async setShareAccess (cid: string, change: { allow?: string[], secret?: 'rotate' | null }): Promise<ShareRecord> {
    const share = this.components.store.get(cid)
    if (share == null) throw new UsageError(`not sharing ${cid}`)
    const before = share.access ?? PUBLIC
    const access: ShareAccess = {
      allow: change.allow != null ? [...new Set(change.allow)] : before.allow,
      secret: change.secret === undefined ? before.secret : change.secret === 'rotate' ? newSecret() : null
    }
    const updated = await this.components.store.setAccess(cid, access)
    const cut = this.components.uploads.deny(cid, slot => mayAccess(access, cid, slot.peerId, this.peerId, slot.proof), 'the sharer revoked this access')
    logger('access to %s changed (%d allowed, secret %s); %d downloader(s) cut off', cid, access.allow.length, access.secret == null ? 'none' : 'set', cut)
    if (isPrivate(before) && !isPrivate(access)) await this.components.announcer.announce(updated)
    if (!isPrivate(before) && isPrivate(access)) this.components.feed.leave(cid)
    return updated
  }

  linkFor (share: ShareRecord): string {
    const addrs = rankForSharing(this.components.node.getMultiaddrs().map(a => a.toString()))
    return formatLink({ cid: share.cid, name: share.manifest.name, peers: [{ peerId: this.peerId, addrs }], secret: share.access?.secret ?? undefined })
  }

  /** Stops sharing: the files stay on disk, peers can no longer fetch them from us. */
  async removeShare (cid: string): Promise<boolean> {
    const removed = await this.components.store.remove(cid)
    if (removed && !this.components.active.has(cid)) this.components.feed.leave(cid)
    return removed
  }

  /**
   * Shares a changed share's files again as they are now (same name, layout and
   * access): a new share, with a new content ID unless nothing really changed,
   * that takes the old one's place.
   */
  async reshare (cid: string, opts: Pick<ShareOptions, 'onProgress' | 'signal'> = {}): Promise<ShareResult> {
    const old = this.components.store.get(cid)
    if (old == null) throw new UsageError(`not sharing ${cid}`)
    // Handles kept open may be on the files that were there before.
    for (const f of old.files) this.components.reader.forget(f)
    const result = await this.components.store.rehash(cid, opts.onProgress, opts.signal)
    if (result.share.cid !== cid) await this.removeShare(cid)
    await this.components.announcer.announce(result.share)
    void this.components.announcer.announceToTracker([result.share.cid])
    return { ...result, link: this.linkFor(result.share) }
  }

  /** Tells `listener` about each share taken out of service because a file of it changed on disk. */
  onShareChanged (listener: (share: ShareRecord) => void): () => void {
    this.changeListeners.add(listener)
    return () => { this.changeListeners.delete(listener) }
  }

  /** Looks at every served share's files on disk; those that changed are taken out of service. */
  async checkShares (): Promise<void> {
    for (const rec of this.components.store.list()) {
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
    const { store, uploads, feed, active, announcer } = this.components
    const rec = store.get(cid)
    if (rec == null || rec.changed != null) return
    logger('share %s changed on disk: %s (%s); no longer served', cid, err.file, err.reason)
    const marked = store.markChanged(cid, { file: err.file, kind: err.kind, reason: err.reason, at: Date.now() })
    uploads.withdraw(cid, SHARE_CHANGED_MESSAGE)
    if (!active.has(cid)) feed.leave(cid)
    // Provider records already out expire by themselves; we stop renewing ours. The tracker's expire too.
    announcer.stopProviding(cid)
    // Told once it is on disk, or failed to be: either way it is out of service for this run.
    void marked.catch((e: unknown) => { logger.error('could not record that %s changed: %e', cid, e) }).then(() => {
      const share = store.get(cid)
      if (share?.changed != null) for (const l of this.changeListeners) l(share)
    })
  }

  /** A share as the protocols serve it; a file that changed takes its share out of service at once. */
  private servedShare (cid: string): ServedContent | undefined {
    const { store } = this.components
    const rec = store.get(cid)
    if (rec == null || rec.changed != null) { this.served.delete(cid); return undefined }
    const hit = this.served.get(cid)
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
        const now = store.get(cid) ?? rec
        if (now.changed != null) throw new ShareChangedError(now.changed.file, now.changed.kind, now.changed.reason)
        const f = layout.fileOf[index]!
        return await this.files.read(now.files[f]!, now.stamps[f]!, layout.offsetOf[index]!, layout.lengthOf[index]!).catch((err: unknown) => {
          if (err instanceof ShareChangedError) this.shareChanged(cid, err)
          throw err
        })
      },
      // Read at every request: a change of access applies to the next one.
      get access () { return store.get(cid)?.access }
    }
    this.served.set(cid, served)
    return served
  }
}

/** What `peer` sees in our catalog: a private share only if it is on the list; a secret share never (its link is the way in). */
export function catalogFor (store: ShareRecords, peer: PeerId): CatalogEntry[] {
  return store.list().filter(s => s.changed == null && (!isPrivate(s.access) || s.access.allow.includes(peer.toString()))).map(catalogEntry)
}
