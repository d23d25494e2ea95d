#!/usr/bin/env node
// `npm start`: the Electron window when its runtime can start; otherwise one line saying
// why, and the same UI served to a browser by `swarmdrop daemon`.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findElectron } from './electron-runtime.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = join(root, 'bin', 'swarmdrop.js')

function serveInBrowser (reason) {
  process.stdout.write(`Swarmdrop: the Electron window cannot open here (${reason}); serving the app to your browser instead.\n`)
  const child = spawn(process.execPath, [bin, 'daemon', ...process.argv.slice(2)], { stdio: 'inherit' })
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { child.kill(sig) })
  child.on('exit', code => { process.exit(code ?? 0) })
}

const found = findElectron({ download: true })
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
