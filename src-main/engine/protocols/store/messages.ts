import * as z from 'zod'

/** The request is the CID's bytes; the answer, in JSON, is what the hub now holds or why it refused. */
export const answerSchema = z.union([
  z.object({ ok: z.literal(true), bytes: z.number().int().nonnegative() }),
  z.object({ ok: z.literal(false), code: z.string().max(64), message: z.string().max(1024) })
])
