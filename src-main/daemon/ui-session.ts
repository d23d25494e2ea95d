import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as z from 'zod'
import { log, writeFileAtomic } from '../api/index.js'

const logger = log('daemon:session')
const FILE = 'ui.json'

const schema = z.object({ port: z.number().int().min(1).max(65535), token: z.string().min(16).max(200) }).strict()
export type UiSession = z.infer<typeof schema>

/**
 * The web UI's port and token, kept between runs (like the listen port) so
 * the address a person bookmarked, and a tab left open across a restart,
 * still reach the app. The token is a secret: the file is the user's only.
 */
export async function loadUiSession (dataDir: string): Promise<UiSession | null> {
  const raw = await readFile(join(dataDir, FILE), 'utf8').catch(() => null)
  if (raw == null) return null
  try {
    return schema.parse(JSON.parse(raw))
  } catch {
    logger('ignoring a damaged %s: a new address is made', FILE)
    return null
  }
}

export async function saveUiSession (dataDir: string, session: UiSession): Promise<void> {
  await writeFileAtomic(join(dataDir, FILE), JSON.stringify(session), { mode: 0o600 })
}
