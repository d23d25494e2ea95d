import { realpath } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parseCid } from '../../../shared/link.js'
import { pieceLayout } from '../storage/piece-layout.js'
import { decodeManifest } from '../content/manifest-codec.js'
import { DownloadRecord } from '../persistence/download-records.js'
import type { StateFiles } from '../persistence/json-file.js'
import { PartFiles } from '../storage/part-files.js'

/**
 * The verified pieces a stopped download's saved state records (its bitfield's
 * bytes), for a piece map while nothing runs; null when none is saved.
 */
export async function savedPieces (state: StateFiles, cid: string, outDir: string, pieces: number): Promise<Uint8Array | null> {
  const dir = await realpath(resolve(outDir)).catch(() => resolve(outDir))
  const saved = await new DownloadRecord(state, cid, dir).loadState(pieces)
  return saved?.bitfield?.bytes ?? null
}

/**
 * Forgets a download: its saved state, and the `.part` files of files that
 * never finished. Finished files are the user's and stay.
 */
export async function discardDownload (stateFiles: StateFiles, cid: string, outDir: string): Promise<void> {
  const dir = await realpath(resolve(outDir)).catch(() => resolve(outDir))
  const record = new DownloadRecord(stateFiles, cid, dir)
  const bytes = await record.loadManifest()
  if (bytes != null) {
    const manifest = decodeManifest(bytes, parseCid(cid))
    const layout = pieceLayout(manifest)
    const state = await record.loadState(layout.count)
    const files = await PartFiles.open(dir, manifest, layout, state?.targets)
    await files.removeUnfinished()
  }
  await record.remove()
}
