import type { ActiveDownload } from '../swarm/active-downloads.js'
import type { UploadPolicy, UploadSlot } from '../protocols/pieces/uploader.js'
import type { SwarmRegistry } from '../swarm/registry.js'
import { Choker, RECHOKE_MS, UPLOAD_SLOTS } from './choker.js'
import { InitialSeeding } from './initial-seeding.js'
import { RateLimit, TokenBucket } from '../base/token-bucket.js'

export interface UploadStats {
  cid: string
  /** Piece bytes sent in this run. */
  bytes: number
  /** Every peer that got a piece of it in this run. */
  servedTo: string[]
  /** Peers downloading it from us right now. */
  connected: string[]
}

export interface UploadsComponents {
  registry: SwarmRegistry
  /** Downloads running now: a peer asking us for the same content may have some of it too. */
  active: ReadonlyMap<string, ActiveDownload>
}

/**
 * Who we serve and how fast: the choker's tit-for-tat rounds, the upload rate
 * limit, and the downloaders being served now (so a change of a share's access
 * or files reaches them at once). Built before the node, which takes `policy`.
 */
export class Uploads {
  /** Downloaders being served right now. */
  private readonly slots = new Set<UploadSlot>()
  private readonly bucket: TokenBucket
  private readonly limit: RateLimit
  private readonly choker: Choker
  /** Content we hold whole and are seeding for the first time in this run, by CID. */
  private readonly seeding = new Map<string, InitialSeeding>()
  /** Downloaders of content we hold whole. */
  private readonly seeds = new Set<UploadSlot>()
  /** Piece bytes sent per share in this run, and to whom: what the sharer's card shows. */
  private readonly sentByCid = new Map<string, { bytes: number, to: Set<string> }>()
  private round: ReturnType<SwarmRegistry['takeRound']>
  private timer?: NodeJS.Timeout

  constructor (private readonly components: UploadsComponents, init: { upLimit: number }) {
    this.bucket = new TokenBucket(init.upLimit)
    this.limit = new RateLimit([this.bucket])
    this.round = components.registry.takeRound()
    this.choker = new Choker(slot => this.rank(slot), UPLOAD_SLOTS, Math.random, (slot, choked) => { this.seeding.get(slot.cid)?.setChoked(slot, choked) })
  }

  /**
   * Tit-for-tat: what a peer gave us counts double what it took. Content we
   * only seed earns us nothing back, so there the slots go round: whoever we
   * sent least last round comes first, and no leecher waits on us for long.
   */
  private rank (slot: UploadSlot): number {
    const sent = this.round.sent.get(slot.peerId) ?? 0
    if (this.seeds.has(slot)) return -sent
    return 2 * (this.round.received.get(slot.peerId) ?? 0) + sent
  }

  /** The hooks the piece exchange calls for every downloader. */
  readonly policy: UploadPolicy = {
    open: slot => {
      this.slots.add(slot)
      this.components.registry.touch(slot.cid, slot.peerId)
      this.components.active.get(slot.cid)?.offer(slot.peerId)
      return this.choker.add(slot)
    },
    advertise: slot => {
      this.seeds.add(slot)
      let plan = this.seeding.get(slot.cid)
      if (plan == null) {
        plan = new InitialSeeding(slot.pieceCount)
        this.seeding.set(slot.cid, plan)
      }
      return plan.open(slot, !this.choker.isUnchoked(slot))
    },
    requested: (slot, index) => { this.seeding.get(slot.cid)?.requested(slot, index) },
    theyHave: (slot, indices) => { this.seeding.get(slot.cid)?.theyHave(slot, indices) },
    close: slot => {
      this.choker.remove(slot)
      this.slots.delete(slot)
      this.seeds.delete(slot)
      this.seeding.get(slot.cid)?.close(slot)
    },
    beforeSend: async (_slot, bytes, signal) => { await this.limit.take(bytes, signal) },
    uploaded: (slot, bytes, index) => {
      this.components.registry.countSent(slot.peerId, bytes)
      let sent = this.sentByCid.get(slot.cid)
      if (sent == null) { sent = { bytes: 0, to: new Set() }; this.sentByCid.set(slot.cid, sent) }
      sent.bytes += bytes
      sent.to.add(slot.peerId)
      this.seeding.get(slot.cid)?.sent(index)
    }
  }

  start (): void {
    this.timer = setInterval(() => {
      this.round = this.components.registry.takeRound()
      this.choker.rechoke()
    }, RECHOKE_MS)
  }

  stop (): void {
    clearInterval(this.timer)
  }

  /** Bytes per second, 0 for none; takes effect at once. */
  setRate (bytesPerSecond: number): void {
    this.bucket.setRate(bytesPerSecond)
  }

  /**
   * Per share: piece bytes sent in this run, the peers they went to, and the
   * downloaders connected now (served or waiting for a slot).
   */
  stats (): UploadStats[] {
    const now = new Map<string, Set<string>>()
    for (const slot of this.slots) {
      let peers = now.get(slot.cid)
      if (peers == null) { peers = new Set(); now.set(slot.cid, peers) }
      peers.add(slot.peerId)
    }
    const cids = new Set([...this.sentByCid.keys(), ...now.keys()])
    return [...cids].map(cid => ({ cid, bytes: this.sentByCid.get(cid)?.bytes ?? 0, servedTo: [...this.sentByCid.get(cid)?.to ?? []], connected: [...now.get(cid) ?? []] }))
  }

  /** Cuts off the downloaders of `cid` that `mayStay` refuses, telling them why; returns how many. */
  deny (cid: string, mayStay: (slot: UploadSlot) => boolean, message: string): number {
    let cut = 0
    for (const slot of this.slots) {
      if (slot.cid !== cid || mayStay(slot)) continue
      slot.deny(message)
      this.slots.delete(slot)
      cut++
    }
    return cut
  }

  /** Stops serving `cid` to everyone: we no longer have it as it was hashed. */
  withdraw (cid: string, message: string): void {
    for (const slot of this.slots) {
      if (slot.cid !== cid) continue
      slot.withdraw(message)
      this.slots.delete(slot)
    }
  }
}
