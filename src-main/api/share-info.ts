import type { ShareInfo } from '../../shared/api.js'
import { totalSize } from '../../shared/manifest.js'
import type { Engine, ShareRecord } from '../engine/index.js'

/** A share as every client sees it, with its current link (which carries the secret of a private one). */
export function shareInfo (engine: Engine, s: ShareRecord): ShareInfo {
  const access = s.access.secret != null ? 'secret' : s.access.allow.length > 0 ? 'allow-list' : 'public'
  return { cid: s.cid, name: s.manifest.name, size: totalSize(s.manifest), files: s.manifest.files.length, link: engine.linkFor(s), createdAt: s.createdAt, access, allow: s.access.allow }
}
