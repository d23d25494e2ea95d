import { stat } from 'node:fs/promises'
import type { DownloadOutcome, Engine, ShareRecord } from '../engine/index.js'

/**
 * Seeds a download that has just finished. The files' mtimes are read now,
 * right after they were renamed into place, so that any later change on disk
 * takes the share out of service instead of serving pieces that no longer match.
 */
export async function seedFinished (engine: Engine, outcome: DownloadOutcome): Promise<ShareRecord> {
  const mtimes = await Promise.all(outcome.files.map(async f => (await stat(f)).mtimeMs))
  return await engine.seed(outcome, mtimes)
}
