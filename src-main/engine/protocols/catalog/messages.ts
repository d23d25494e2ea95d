import * as z from 'zod'
import { catalogEntrySchema } from '../../../../shared/catalog.js'
import { LIMITS } from './constants.js'

/** The request is empty; the answer is the list of what the peer shares with us, in JSON. */
export const responseSchema = z.array(catalogEntrySchema).max(LIMITS.maxEntries)
