import * as z from 'zod'
import { MAX_NAME_LENGTH } from './manifest.js'

/** One line of a peer's catalog: what `browse` prints and the UI lists. */
export interface CatalogEntry {
  cid: string
  name: string
  size: number
  files: number
}

export const catalogEntrySchema = z.object({
  cid: z.string().min(1).max(128),
  name: z.string().min(1).max(MAX_NAME_LENGTH),
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  files: z.number().int().positive()
}).strict()
