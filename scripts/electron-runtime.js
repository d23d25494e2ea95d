// Where the Electron runtime is, shared by `npm start` and `npm run test:electron`.
// npm does not run electron's postinstall here (package.json allowScripts), so the
// binary may be missing; `download: true` fetches it once, as electron's own install does.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)

/** @returns {{ exe: string } | { error: string }} */
export function findElectron ({ download = false } = {}) {
  let pkgDir
  try { pkgDir = dirname(require.resolve('electron/package.json')) } catch { return { error: 'the electron package is not installed' } }
  const located = () => {
    const pathFile = join(pkgDir, 'path.txt')
    const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : 'electron'
    // The same override electron's own index.js reads: a runtime kept elsewhere.
    const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? (existsSync(pathFile) ? join(pkgDir, 'dist') : null)
    if (dist == null) return null
    const exe = join(dist, name)
    return existsSync(exe) ? exe : null
  }
  let exe = located()
  if (exe != null) return { exe }
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH != null) return { error: `no runtime in ELECTRON_OVERRIDE_DIST_PATH (${process.env.ELECTRON_OVERRIDE_DIST_PATH})` }
  if (!download) return { error: 'its runtime was never downloaded' }
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return { error: 'not downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD is set)' }
  const r = spawnSync(process.execPath, [join(pkgDir, 'install.js')], { encoding: 'utf8', timeout: 120_000 })
  exe = located()
  if (exe != null) return { exe }
  const why = (r.stderr || '').split('\n').find(l => /Error|ENOTFOUND|EAI_AGAIN|ECONN|403|404/.test(l))?.trim() ?? 'the download failed'
  return { error: `its download failed (${why.slice(0, 120)})` }
}
