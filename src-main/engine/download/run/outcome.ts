import { join, relative, sep } from 'node:path'
import type { DoneEvent } from '../../../../shared/transfer.js'
import { totalPaths } from '../../../../shared/transfer.js'
import type { Manifest } from '../../../../shared/manifest.js'

export interface DownloadOutcome extends Omit<DoneEvent, 'event'> {
  manifest: Manifest
  files: string[]
  /** The private share's secret it was fetched with, so seeding it keeps it private. */
  secret?: string
}

export interface Finished {
  cid: string
  outDir: string
  manifest: Manifest
  totalSize: number
  /** Where each file was saved (after any name clash). */
  targets: string[]
  sources: DoneEvent['sources']
  banned: string[]
  secret?: string
}

/** What a finished download tells its caller: where it is, and where its bytes came from. */
export function outcomeOf (f: Finished): DownloadOutcome {
  return {
    cid: f.cid,
    path: rootPath(f.outDir, f.targets),
    bytes: f.totalSize,
    sources: f.sources,
    paths: totalPaths(f.sources),
    banned: f.banned,
    manifest: f.manifest,
    files: f.targets,
    ...(f.secret != null ? { secret: f.secret } : {})
  }
}

/** The folder or file the user will look for: the share's single root if it has one (as saved, after any name clash). */
export function rootPath (outDir: string, targets: readonly string[]): string {
  const firsts = new Set(targets.map(t => relative(outDir, t).split(sep)[0]!))
  return firsts.size === 1 ? join(outDir, [...firsts][0]!) : outDir
}
