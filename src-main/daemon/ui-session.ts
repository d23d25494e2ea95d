import * as z from 'zod'
import type { JsonFile, StateFiles } from '../api/index.js'

const FILE = 'ui.json'

const schema = z.object({ port: z.number().int().min(1).max(65535), token: z.string().min(16).max(200) }).strict()
export type UiSession = z.infer<typeof schema>

/**
 * The web UI's port and token, kept between runs (like the listen port) so
 * the address a person bookmarked, and a tab left open across a restart,
 * still reach the app. The token is a secret: the file is the user's only.
 */
export function uiSessionFile (state: StateFiles): JsonFile<UiSession | null> {
  return state.file(FILE, schema.nullable(), () => null, { mode: 0o600 })
}
