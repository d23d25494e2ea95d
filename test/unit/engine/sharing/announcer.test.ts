import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { CID } from 'multiformats/cid'
import { afterEach, describe, expect, it } from 'vitest'
import { feedTopic } from '../../../../shared/feed.js'
import { log } from '../../../../src-main/engine/base/log.js'
import { Library } from '../../../../src-main/engine/content/library.js'
import type { SwarmNode } from '../../../../src-main/engine/node/create-node.js'
import { parseHub } from '../../../../src-main/engine/node/connector.js'
import type { HubRef } from '../../../../src-main/engine/node/hub-ref.js'
import { StateFiles } from '../../../../src-main/engine/persistence/json-file.js'
import { ShareRecords, type ShareRecord } from '../../../../src-main/engine/persistence/share-records.js'
import { Announcer } from '../../../../src-main/engine/sharing/announcer.js'
import { SwarmFeed } from '../../../../src-main/engine/swarm/feed.js'
import { addrOf, TestNodes } from '../../../helpers/engine-nodes.js'

const nodes = new TestNodes()

afterEach(async () => { await nodes.stopAll() })

/** A real announcer on a real node, with real share records in a temp data folder, and a real hub (tracker) beside it. */
interface Setup { me: SwarmNode, hub: SwarmNode, records: ShareRecords, announcer: Announcer, share: (secret?: boolean) => Promise<ShareRecord> }

async function setUp (opts: { leechOnly?: boolean, withHub?: boolean } = {}): Promise<Setup> {
  const dir = await nodes.folder('swarmdrop-announcer-')
  const [me, hub] = await Promise.all([nodes.start(), nodes.start({ hub: true })])
  await me.dial(addrOf(hub))
  const records = new ShareRecords(new StateFiles(join(dir, 'data')))
  await records.load()
  const hubRef: HubRef = parseHub(addrOf(hub).toString())
  const announcer = new Announcer({
    node: me,
    feed: new SwarmFeed(me.services.pubsub, log('test:feed')),
    shares: records,
    library: new Library(),
    active: new Map(),
    hub: () => opts.withHub === false ? undefined : hubRef
  }, { leechOnly: opts.leechOnly === true })
  let n = 0
  const share = async (secret = false): Promise<ShareRecord> => {
    const file = join(dir, `file-${n++}.bin`)
    await writeFile(file, randomBytes(300_000))
    return (await records.add([file], undefined, undefined, secret ? { allow: [], secret: randomBytes(32).toString('base64url') } : undefined)).share
  }
  return { me, hub, records, announcer, share }
}

/** Who the hub's tracker names for `cid`, asked by another node as a downloader would. */
async function trackerLists (hub: SwarmNode, cid: string): Promise<string[]> {
  const asker = await nodes.start()
  await asker.dial(addrOf(hub))
  return (await asker.services.tracker.lookup(hub.peerId, CID.parse(cid))).map(h => h.peerId)
}

describe('Announcer: what we hold reaches the tracker and the feed, and private or changed shares never do', () => {
  it('tells the hub\'s tracker of public shares only: not a private one, not a changed one', async () => {
    const { me, hub, records, announcer, share } = await setUp()
    const open = await share()
    const secret = await share(true)
    const changed = await share()
    await records.markChanged(changed.cid, { file: changed.files[0]!, kind: 'modified', reason: 'edited', at: Date.now() })

    await announcer.announceToTracker()

    expect(await trackerLists(hub, open.cid)).toEqual([me.peerId.toString()])
    expect(await trackerLists(hub, secret.cid)).toEqual([])
    expect(await trackerLists(hub, changed.cid)).toEqual([])
  })

  it('announces nothing to a tracker with no hub in use, or as a leech-only client', async () => {
    for (const opts of [{ withHub: false }, { leechOnly: true }]) {
      const { hub, announcer, share } = await setUp(opts)
      const s = await share()
      await announcer.announceToTracker()
      expect(await trackerLists(hub, s.cid)).toEqual([])
    }
  })

  it('joins the feed of a public share it announces, and never that of a private one', async () => {
    const { me, announcer, share } = await setUp()
    const open = await share()
    const secret = await share(true)
    await announcer.announce(open)
    await announcer.announce(secret)
    const topics = me.services.pubsub.getTopics()
    expect(topics).toContain(feedTopic(open.cid))
    expect(topics).not.toContain(feedTopic(secret.cid))
  })
})
