import * as z from 'zod'
import { MAX_NAME_LENGTH } from './manifest.js'

/**
 * The swarm feed: what members of a swarm publish on its gossipsub topic.
 * Small summaries only (never full bitfields), signed by the sender, and
 * checked against this schema before anyone sees them.
 */
export const FEED_TOPIC_PREFIX = '/swarmdrop/swarm/1/'
/** A presence or progress summary is ~200 bytes; 4 KiB leaves room and caps a flood. */
export const MAX_FEED_MESSAGE_BYTES = 4096

export function feedTopic (cid: string): string {
  return `${FEED_TOPIC_PREFIX}${cid}`
}

export const feedMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('presence'),
    name: z.string().max(MAX_NAME_LENGTH).optional(),
    have: z.number().int().nonnegative(),
    total: z.number().int().nonnegative(),
    seeding: z.boolean()
  }).strict(),
  z.object({
    type: z.literal('share'),
    cid: z.string().min(1).max(128),
    name: z.string().min(1).max(MAX_NAME_LENGTH),
    size: z.number().int().nonnegative(),
    files: z.number().int().positive()
  }).strict(),
  z.object({
    type: z.literal('progress'),
    bytes: z.number().int().nonnegative(),
    total: z.number().int().nonnegative(),
    speed: z.number().nonnegative()
  }).strict()
])

export type FeedMessage = z.infer<typeof feedMessageSchema>

/** A feed message as a member sees it: who sent it (checked by signature) and when it arrived. */
export interface FeedItem {
  cid: string
  from: string
  at: number
  message: FeedMessage
}
