import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CliProcess, ROOT, useScratch } from '../helpers/cli.js'

describe('npm start', () => {
  const { dir, track } = useScratch('swarmdrop-start-')

  it('says in one line that the Electron runtime is missing, then serves the UI to a browser', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' }
    delete env.DISPLAY
    // Stopped with Ctrl+C: the script stops the daemon it started.
    const proc = track(new CliProcess(spawn(process.execPath, [join(ROOT, 'scripts', 'start.js'), '--data', dir(), '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] })), 'SIGINT')
    const ready = await proc.waitForEvent('ready')
    const notes = proc.events.filter(e => e.event === 'non-json')
    expect(notes).toHaveLength(1)
    expect(notes[0]!.line).toMatch(/^Swarmdrop: the Electron window cannot open here \(Electron runtime missing: .*\); serving the app to your browser instead\.$/)
    const res = await fetch(ready.url)
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('<div id="root">')
  })
})
