import type { GossipSub, Message } from '@libp2p/gossipsub'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { feedMessageSchema, feedTopic, FEED_TOPIC_PREFIX, MAX_FEED_MESSAGE_BYTES, type FeedItem, type FeedMessage } from '../../../shared/feed.js'
import type { Logger } from '../base/log.js'

/**
 * Publish-subscribe inside each swarm: one gossipsub topic per content ID.
 * Only signed messages that parse as a FeedMessage and fit the size cap are
 * delivered; anything else is rejected, which also lowers the sender's
 * gossipsub score.
 */
export class SwarmFeed {
  private readonly listeners = new Set<(item: FeedItem) => void>()
  private readonly joinListeners = new Set<(cid: string, peerId: string) => void>()

  constructor (private readonly pubsub: GossipSub, private readonly log: Logger) {
    pubsub.addEventListener('message', evt => { this.onMessage(evt.detail) })
    pubsub.addEventListener('subscription-change', evt => {
      for (const s of evt.detail.subscriptions) {
        if (!s.subscribe || !s.topic.startsWith(FEED_TOPIC_PREFIX) || !this.pubsub.getTopics().includes(s.topic)) continue
        for (const l of this.joinListeners) l(s.topic.slice(FEED_TOPIC_PREFIX.length), evt.detail.peerId.toString())
      }
    })
  }

  /** A peer subscribed to the feed of a swarm we are in (a newcomer who has not heard us yet). */
  onMemberJoined (listener: (cid: string, peerId: string) => void): () => void {
    this.joinListeners.add(listener)
    return () => this.joinListeners.delete(listener)
  }

  join (cid: string): void {
    const topic = feedTopic(cid)
    if (this.pubsub.getTopics().includes(topic)) return
    this.pubsub.topicValidators.set(topic, (_peer, msg) => parse(msg) == null ? TopicValidatorResult.Reject : TopicValidatorResult.Accept)
    this.pubsub.subscribe(topic)
  }

  leave (cid: string): void {
    const topic = feedTopic(cid)
    this.pubsub.unsubscribe(topic)
    this.pubsub.topicValidators.delete(topic)
  }

  members (cid: string): string[] {
    return this.pubsub.getSubscribers(feedTopic(cid)).map(p => p.toString())
  }

  async publish (cid: string, message: FeedMessage): Promise<number> {
    const data = new TextEncoder().encode(JSON.stringify(feedMessageSchema.parse(message)))
    if (data.byteLength > MAX_FEED_MESSAGE_BYTES) throw new RangeError('feed message too large')
    try {
      const res = await this.pubsub.publish(feedTopic(cid), data)
      return res.recipients.length
    } catch (err) {
      // Nobody else in the swarm yet is normal, not an error.
      this.log('feed publish on %s reached nobody: %s', cid, (err as Error).message)
      return 0
    }
  }

  onItem (listener: (item: FeedItem) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private onMessage (msg: Message): void {
    if (!msg.topic.startsWith(FEED_TOPIC_PREFIX)) return
    const parsed = parse(msg)
    if (parsed == null || msg.type !== 'signed') return
    const item: FeedItem = { cid: msg.topic.slice(FEED_TOPIC_PREFIX.length), from: msg.from.toString(), at: Date.now(), message: parsed }
    for (const l of this.listeners) l(item)
  }
}

function parse (msg: Message): FeedMessage | null {
  if (msg.type !== 'signed' || msg.data.byteLength > MAX_FEED_MESSAGE_BYTES) return null
  try {
    const r = feedMessageSchema.safeParse(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(msg.data)))
    return r.success ? r.data : null
  } catch {
    return null
  }
}
