#!/usr/bin/env node
// `npm start`: the Electron window when its runtime can start; otherwise one line saying
// why, and the same UI served to a browser by `swarmdrop daemon`.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = join(root, 'bin', 'swarmdrop.js')
const require = createRequire(import.meta.url)

/** The Electron binary, fetching it once if npm skipped the download (it is not allowed to run install scripts). */
function electronBinary () {
  let pkgDir
  try { pkgDir = dirname(require.resolve('electron/package.json')) } catch { return { error: 'the electron package is not installed' } }
  const located = () => {
    const pathFile = join(pkgDir, 'path.txt')
    if (!existsSync(pathFile)) return null
    const exe = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim())
    return existsSync(exe) ? exe : null
  }
  let exe = located()
  if (exe == null && process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return { error: 'not downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD is set)' }
  if (exe == null) {
    const r = spawnSync(process.execPath, [join(pkgDir, 'install.js')], { encoding: 'utf8', timeout: 120_000 })
    exe = located()
    if (exe == null) {
      const why = (r.stderr || '').split('\n').find(l => /Error|ENOTFOUND|EAI_AGAIN|ECONN|403|404/.test(l))?.trim() ?? 'the download failed'
      return { error: `its download failed (${why.slice(0, 120)})` }
    }
  }
  return { exe }
}

function serveInBrowser (reason) {
  process.stdout.write(`Swarmdrop: the Electron window cannot open here (${reason}); serving the app to your browser instead.\n`)
  const child = spawn(process.execPath, [bin, 'daemon', ...process.argv.slice(2)], { stdio: 'inherit' })
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { child.kill(sig) })
  child.on('exit', code => { process.exit(code ?? 0) })
}

const found = electronBinary()
if (found.error != null) {
  serveInBrowser(`Electron runtime missing: ${found.error}`)
} else if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  serveInBrowser('no display')
} else {
  const started = Date.now()
  const child = spawn(found.exe, [root, ...process.argv.slice(2)], { stdio: 'inherit' })
  child.on('error', err => { serveInBrowser(`Electron did not start: ${err.message}`) })
  child.on('exit', code => {
    // A crash within seconds of launch means the runtime cannot run here; the daemon can.
    if (code !== 0 && Date.now() - started < 10_000) serveInBrowser(`Electron exited with code ${code}`)
    else process.exit(code ?? 0)
  })
}
