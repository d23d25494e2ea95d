#!/usr/bin/env node
// `npm run test:electron`: the Electron end-to-end suite (test/electron/) against the real app.
// It needs the Electron runtime and, on Linux, a display (Xvfb is started through xvfb-run when
// there is none). Where either is missing it says so in one line and runs nothing: no test is
// counted as passed.
import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { findElectron } from './electron-runtime.js'

const root = fileURLToPath(new URL('..', import.meta.url))

function notRun (why, how) {
  process.stdout.write(`Electron suite: not run, ${why}. ${how}\n`)
  process.exit(0)
}

const found = findElectron()
if (found.error != null) {
  notRun(`the Electron runtime is missing (${found.error})`, 'With internet, `npx electron --version` downloads it; then run `npm run test:electron`.')
}

const vitest = ['vitest', 'run', '--config', 'vitest.electron.config.ts', ...process.argv.slice(2)]
let cmd = 'npx'
let args = vitest
if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  if (spawnSync('xvfb-run', ['--help'], { stdio: 'ignore' }).error != null) {
    notRun('there is no display and no xvfb-run', 'Install Xvfb (`apt-get install xvfb`) or run it in a desktop session.')
  }
  cmd = 'xvfb-run'
  args = ['-a', '-s', '-screen 0 1280x900x24', 'npx', ...vitest]
}
const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, SWARMDROP_ELECTRON: found.exe } })
child.on('exit', code => { process.exit(code ?? 1) })
