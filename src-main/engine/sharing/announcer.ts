import { peerIdFromString } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import type { CatalogEntry } from '../../../shared/catalog.js'
import { pieceCount, totalSize } from '../../../shared/manifest.js'
import { isPrivate } from '../access/share-access.js'
import type { Library } from '../content/library.js'
import type { ActiveDownload } from '../swarm/active-downloads.js'
import type { HubRef } from '../node/hub-ref.js'
import { log } from '../base/log.js'
import { rankForSharing } from '../base/addresses.js'
import type { SwarmNode } from '../node/create-node.js'
import { hasDhtPeers } from '../node/dht-peers.js'
import type { ShareRecord, ShareRecords } from '../persistence/share-records.js'
import { ANNOUNCE_EVERY_MS } from '../protocols/tracker/constants.js'
import type { SwarmFeed } from '../swarm/feed.js'

const logger = log('engine')

/** Shares are announced again this often: provider records expire after a day. */
const REPROVIDE_MS = 60 * 60 * 1000
/** New connections trigger an announce at most this often. */
const ANNOUNCE_ON_CONNECT_MS = 30_000
/** Presence on each swarm feed is refreshed this often. */
const PRESENCE_MS = 30_000
/** A swarm's newcomers are greeted with our presence at most this often, a moment after they subscribe. */
const GREET_MS = 5_000
const GREET_DELAY_MS = 500
/** A tracker hands out this many of our addresses: confirmed public ones, then the relay, for peers that cannot reach us on our LAN. */
const TRACKER_ADDRS = 8

export interface AnnouncerComponents {
  node: SwarmNode
  feed: SwarmFeed
  shares: ShareRecords
  library: Library
  active: ReadonlyMap<string, ActiveDownload>
  /** The hub in use now (it may be found after start). */
  hub: () => HubRef | undefined
}

/**
 * Tells the world what we hold: DHT provider records (renewed hourly), the
 * swarm feed (share, presence, a greeting for newcomers) and the hub's
 * tracker. Private and changed shares are never announced.
 */
export class Announcer {
  private readonly timers: NodeJS.Timeout[] = []
  private readonly greeted = new Map<string, number>()
  private lastConnectAnnounce = 0
  private stopGreeting?: () => void

  constructor (private readonly components: AnnouncerComponents, private readonly init: { leechOnly: boolean }) {}

  start (): void {
    const { node, feed } = this.components
    // Every node: a hub may be found after start (announceToTracker does nothing without one).
    this.timers.push(setInterval(() => { void this.announceToTracker() }, ANNOUNCE_EVERY_MS))
    this.timers.push(setInterval(() => { void this.announceAll() }, REPROVIDE_MS))
    this.timers.push(setInterval(() => { void this.publishPresence() }, PRESENCE_MS))
    this.stopGreeting = feed.onMemberJoined(this.greet)
    node.addEventListener('peer:connect', this.onConnect)
  }

  stop (): void {
    for (const t of this.timers) clearInterval(t)
    this.stopGreeting?.()
    this.components.node.removeEventListener('peer:connect', this.onConnect)
  }

  /** Once connected at start: everything we hold, on every channel. */
  announceEverywhere (): void {
    void this.announceToTracker()
    for (const share of this.components.shares.list()) if (!isPrivate(share.access) && share.changed == null) this.components.feed.join(share.cid)
    void this.announceAll()
  }

  async announce (share: ShareRecord): Promise<void> {
    const { node, feed } = this.components
    // A private share's content ID stays between its sharer and those it let in.
    if (isPrivate(share.access) || share.changed != null) return
    feed.join(share.cid)
    void feed.publish(share.cid, { type: 'share', ...catalogEntry(share) })
    if (this.init.leechOnly) return
    // Providing needs DHT peers; with none yet it would wait, so it waits for the next round instead.
    if (!await hasDhtPeers(node)) return
    void node.contentRouting.provide(CID.parse(share.cid)).catch((err: unknown) => { logger('provide %s: %s', share.cid, (err as Error).message) })
  }

  /** Tells the hub's tracker what we hold (all shares, or just `cids`). */
  async announceToTracker (cids?: string[]): Promise<void> {
    const { node, shares, library, active } = this.components
    const hub = this.components.hub()
    if (hub == null || this.init.leechOnly) return
    // A share's own record says whether it is private; a running download's access is the library's.
    const list = (cids ?? [...shares.list().map(s => s.cid), ...active.keys()]).filter(c => shares.get(c)?.changed == null && !isPrivate(shares.get(c)?.access ?? library.get(c)?.access))
    if (list.length === 0) return
    const addrs = rankForSharing(node.getMultiaddrs().map(a => a.toString())).slice(0, TRACKER_ADDRS)
    try {
      await node.services.tracker.announce(peerIdFromString(hub.peerId), list, addrs)
    } catch (err) {
      logger('tracker announce failed: %s', (err as Error).message)
    }
  }

  /** No longer renews our provider records for `cid`; those already out expire by themselves. */
  stopProviding (cid: string): void {
    void this.components.node.contentRouting.cancelReprovide(CID.parse(cid)).catch((e: unknown) => { logger('cancel reprovide %s: %s', cid, (e as Error).message) })
  }

  private async announceAll (): Promise<void> {
    for (const s of this.components.shares.list()) await this.announce(s)
  }

  private async publishPresence (): Promise<void> {
    for (const s of this.components.shares.list()) {
      if (isPrivate(s.access) || s.changed != null) continue
      await this.components.feed.publish(s.cid, presence(s))
    }
  }

  // A newcomer to a swarm hears at once who seeds it, instead of at the next presence round.
  private readonly greet = (cid: string): void => {
    const share = this.components.shares.get(cid)
    if (share == null || share.changed != null || Date.now() - (this.greeted.get(cid) ?? 0) < GREET_MS) return
    this.greeted.set(cid, Date.now())
    setTimeout(() => { void this.components.feed.publish(cid, presence(share)) }, GREET_DELAY_MS)
  }

  // A node that started alone (no bootstrap) announces its shares once it meets someone.
  private readonly onConnect = (): void => {
    if (Date.now() - this.lastConnectAnnounce < ANNOUNCE_ON_CONNECT_MS) return
    this.lastConnectAnnounce = Date.now()
    void this.announceAll()
  }
}

export function catalogEntry (s: ShareRecord): CatalogEntry {
  return { cid: s.cid, name: s.manifest.name, size: totalSize(s.manifest), files: s.manifest.files.length }
}

function presence (s: ShareRecord): { type: 'presence', name: string, have: number, total: number, seeding: true } {
  const n = pieceCount(s.manifest)
  return { type: 'presence', name: s.manifest.name, have: n, total: n, seeding: true }
}
