import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const RUNNER = join(import.meta.dirname, '../../../scripts/test-electron.js')
const run = promisify(execFile)

/** The Electron suite's runner: where it cannot run the suite it says why in one line, and runs (and passes) nothing. */
describe('npm run test:electron where the suite cannot run', () => {
  it('without the runtime: one line saying how to get it, exit 0, no tests', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'swarmdrop-no-electron-'))
    try {
      const { stdout, stderr } = await run(process.execPath, [RUNNER], { env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: empty } })
      const lines = stdout.trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/^Electron suite: not run, the Electron runtime is missing/)
      expect(lines[0]).toContain('npx electron --version')
      expect(stdout + stderr).not.toMatch(/passed|Test Files/)
    } finally { await rm(empty, { recursive: true, force: true }) }
  })

  it('with a runtime but no display and no Xvfb: says so, runs nothing', async () => {
    const dist = await mkdtemp(join(tmpdir(), 'swarmdrop-fake-electron-'))
    try {
      await writeFile(join(dist, 'electron'), '#!/bin/sh\nexit 1\n', { mode: 0o755 })
      // PATH holds only node's folder: no xvfb-run on it.
      const { stdout } = await run(process.execPath, [RUNNER], { env: { PATH: dirname(process.execPath), HOME: process.env.HOME ?? '/', ELECTRON_OVERRIDE_DIST_PATH: dist } })
      expect(stdout.trim().split('\n')).toEqual(['Electron suite: not run, there is no display and no xvfb-run. Install Xvfb (`apt-get install xvfb`) or run it in a desktop session.'])
    } finally { await rm(dist, { recursive: true, force: true }) }
  })
})
