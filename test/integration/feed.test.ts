import { multiaddr } from '@multiformats/multiaddr'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { feedTopic, type FeedItem } from '../../shared/feed.js'
import { Engine } from '../../src-main/engine/index.js'
import { LOOPBACK, randomFile, useScratch } from '../helpers/cli.js'
import { until } from '../helpers/until.js'

describe('the swarm feed (gossipsub)', () => {
  const { dir, track } = useScratch()

  it('delivers a member\'s announcement to every member, signed by its sender', async () => {
    const start = async (name: string): Promise<Engine> => {
      const e = await Engine.create({ dataDir: join(dir(), name), listen: [LOOPBACK], mdns: false })
      track(e)
      return e
    }
    const a = await start('a')
    const src = join(dir(), 'x.bin')
    await randomFile(src, 100_000)
    const { share } = await a.share([src])
    // B, C and D join A's swarm; D is connected to C only, so A's message must be forwarded.
    const [b, c, d] = [await start('b'), await start('c'), await start('d')]
    await b.node.dial(multiaddr(a.addrs()[0]!))
    await c.node.dial(multiaddr(a.addrs()[0]!))
    await d.node.dial(multiaddr(c.addrs()[0]!))
    const got = new Map<string, FeedItem[]>()
    for (const e of [b, c, d]) {
      got.set(e.peerId, [])
      e.onFeed(item => got.get(e.peerId)!.push(item))
      e.feed.join(share.cid)
    }
    await until(() => a.feed.members(share.cid).length >= 2 && c.feed.members(share.cid).includes(d.peerId) && d.feed.members(share.cid).includes(c.peerId))
    // Publish once the mesh has formed along the path: A to B and C, C on to D.
    const topic = feedTopic(share.cid)
    // The public interface has no mesh accessor; the implementation does (gossipsub.d.ts getMeshPeers).
    const mesh = (e: Engine): string[] => (e.node.services.pubsub as unknown as { getMeshPeers: (t: string) => string[] }).getMeshPeers(topic)
    await until(() => mesh(a).length >= 2 && mesh(c).includes(d.peerId), 15_000, 'the gossipsub mesh')

    await a.feed.publish(share.cid, { type: 'share', cid: share.cid, name: 'x.bin', size: 100_000, files: 1 })
    await until(() => [b, c, d].every(e => got.get(e.peerId)!.some(i => i.message.type === 'share')))
    for (const e of [b, c, d]) {
      const item = got.get(e.peerId)!.find(i => i.message.type === 'share')!
      expect(item.from).toBe(a.peerId)
      expect(item.cid).toBe(share.cid)
      expect(item.message).toEqual({ type: 'share', cid: share.cid, name: 'x.bin', size: 100_000, files: 1 })
    }
  })

  it('refuses to publish a message that does not fit the schema', async () => {
    const a = await Engine.create({ dataDir: join(dir(), 'a'), listen: [LOOPBACK], mdns: false })
    track(a)
    // @ts-expect-error the type forbids it; the runtime check must too
    await expect(a.feed.publish('bafy', { type: 'presence', have: -1, total: 0, seeding: true, extra: 1 })).rejects.toThrow()
  })
})
