import { CID } from 'multiformats/cid'
import * as z from 'zod'
import { LIMITS } from './constants.js'

const cidText = z.string().max(128).refine(s => { try { CID.parse(s); return true } catch { return false } }, 'not a CID')
const addr = z.string().max(512)

/** Requests and answers are JSON: an announcement of what the asker holds, or a lookup of who holds a CID. */
export const requestSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('announce'), cids: z.array(cidText).max(LIMITS.maxCidsPerAnnounce), addrs: z.array(addr).max(LIMITS.maxAddrsPerPeer) }).strict(),
  z.object({ op: z.literal('lookup'), cid: cidText }).strict()
])
export const announceAnswer = z.object({ ttlMs: z.number().int().positive() })
export const lookupAnswer = z.object({ peers: z.array(z.object({ peerId: z.string().max(128), addrs: z.array(addr).max(LIMITS.maxAddrsPerPeer) })).max(LIMITS.maxPeersPerLookup) })
