import * as z from 'zod'
import { LIMITS } from './constants.js'

/** The request is the swarm's CID in bytes; the answer lists other members, in JSON. */
export const responseSchema = z.object({
  peers: z.array(z.object({
    peerId: z.string().max(128),
    addrs: z.array(z.string().max(256)).max(LIMITS.maxAddrsPerPeer)
  })).max(LIMITS.maxPeers)
})
