import type { ShareChangeInfo, ShareInfo } from '../../shared/api.js'
import { totalSize } from '../../shared/manifest.js'
import type { Engine, ShareRecord } from '../engine/index.js'

/** A share as every client sees it, with its current link (which carries the secret of a private one). */
export function shareInfo (engine: Engine, s: ShareRecord, uploadedCopy = false): ShareInfo {
  const access = s.access.secret != null ? 'secret' : s.access.allow.length > 0 ? 'allow-list' : 'public'
  const info: ShareInfo = {
    cid: s.cid,
    name: s.manifest.name,
    size: totalSize(s.manifest),
    files: s.manifest.files.length,
    link: engine.linkFor(s),
    createdAt: s.createdAt,
    access,
    allow: s.access.allow,
    uploadedCopy,
    ...sentOf(engine, s.cid)
  }
  const changed = changeInfo(s)
  if (changed != null) info.changed = changed
  return info
}

function changeInfo (s: ShareRecord): ShareChangeInfo | undefined {
  if (s.changed == null) return undefined
  const at = s.files.indexOf(s.changed.file)
  // Named as inside the share ("album/03.flac"), the way the user sees its files.
  const file = at === -1 ? s.changed.file : s.manifest.files[at]!.path.join('/')
  return { file, kind: s.changed.kind, reason: s.changed.reason, at: s.changed.at }
}

/** What went out of it in this run, so a card opened late shows it before the next sample. */
function sentOf (engine: Engine, cid: string): { sent: number, servedTo: string[] } {
  const stats = engine.uploadStats().find(x => x.cid === cid)
  return { sent: stats?.bytes ?? 0, servedTo: stats?.servedTo ?? [] }
}
