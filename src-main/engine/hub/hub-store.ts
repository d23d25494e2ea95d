import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import { totalSize } from '../../../shared/manifest.js'
import { log } from '../base/log.js'
import type { SwarmNode } from '../node/create-node.js'
import type { ShareRecords } from '../persistence/share-records.js'
import { ANNOUNCE_EVERY_MS } from '../protocols/tracker/constants.js'
import type { TrackerTable } from '../protocols/tracker/table.js'
import type { Announcer } from '../sharing/announcer.js'
import type { Downloads } from '../download/downloads.js'
import type { StoreLedger } from './store-ledger.js'

const logger = log('engine')

export interface HubStoreComponents {
  node: SwarmNode
  dataDir: string
  shares: ShareRecords
  ledger: StoreLedger
  table: TrackerTable
  downloads: Downloads
  announcer: Announcer
}

/**
 * On a hub with a store: takes the shares peers push (allow-list and quotas
 * first), pulls and verifies every piece, serves them, and lists them in its
 * own tracker as held by the hub.
 */
export class HubStore {
  private timer?: NodeJS.Timeout

  constructor (private readonly components: HubStoreComponents) {}

  start (): void {
    this.announceToSelf()
    this.timer = setInterval(() => { this.announceToSelf() }, ANNOUNCE_EVERY_MS)
  }

  stop (): void {
    clearInterval(this.timer)
  }

  /** A push from `pusher`: checks the allow-list and quotas, pulls every piece, verifies it, and serves it. */
  async acceptPush (cid: CID, pusher: PeerId, signal: AbortSignal): Promise<{ bytes: number }> {
    const { node, dataDir, shares, ledger, downloads, announcer } = this.components
    const owner = pusher.toString()
    const text = cid.toString()
    ledger.check(owner, text, 0)
    const existing = shares.get(text)
    if (existing != null && ledger.has(text)) return { bytes: totalSize(existing.manifest) }
    const { manifest } = await node.services.manifest.fetch(pusher, cid, { signal })
    const bytes = totalSize(manifest)
    ledger.check(owner, text, bytes)
    logger('storing %s (%d bytes) pushed by %p', text, bytes, pusher)
    const outcome = await downloads.pull({ cid, outDir: join(dataDir, 'store', text), peers: [{ peerId: owner, addrs: [] }], addrs: [], leechOnly: true, signal }, () => undefined, 'store')
    const mtimes = await Promise.all(outcome.files.map(async f => (await stat(f)).mtimeMs))
    const share = await shares.addVerified(outcome.manifest, outcome.files, mtimes)
    await ledger.record(owner, text, bytes)
    await announcer.announce(share)
    this.announceToSelf()
    return { bytes }
  }

  /** What the store holds is listed in the hub's own tracker, as held by the hub. */
  private announceToSelf (): void {
    const { node, shares, ledger, table } = this.components
    table.announce(node.peerId.toString(), ledger.cids().filter(c => shares.get(c) != null), node.getMultiaddrs().map(a => a.toString()))
  }
}
