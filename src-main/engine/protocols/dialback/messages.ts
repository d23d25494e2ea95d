import * as z from 'zod'
import { LIMITS } from './constants.js'

const addr = z.string().max(256)

/** "Dial me back at these addresses": each must be on the IP the request came from. */
export const requestSchema = z.object({ addrs: z.array(addr).min(1).max(LIMITS.maxAddrs) }).strict()

/** Why an address was not confirmed, in the hub's words; absent when it was. */
export const resultSchema = z.object({ addr, ok: z.boolean(), reason: z.string().max(300).optional() })

/** The asker's address as the hub saw the request come in, and one result per address asked about. */
export const answerSchema = z.object({ observed: addr, results: z.array(resultSchema).max(LIMITS.maxAddrs) })

export type DialBackRequest = z.infer<typeof requestSchema>
export type DialBackResult = z.infer<typeof resultSchema>
export type DialBackAnswer = z.infer<typeof answerSchema>
