import { spawn } from 'node:child_process'
import { dirname } from 'node:path'
import { UnsupportedError } from '../../shared/errors.js'
import type { Opener } from '../api/index.js'

/**
 * "Open" and "show in folder" for a daemon whose browser runs on the same
 * desktop: the platform's opener, given a path the router looked up from a
 * transfer id (the browser never names a path).
 */
export function desktopOpener (cmd = platformOpener()): Opener {
  const run = async (target: string): Promise<void> => {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(cmd, [target], { stdio: 'ignore', detached: true })
      child.once('error', err => { reject(new UnsupportedError(`cannot open files here (${cmd}: ${err.message})`)) })
      // explorer.exe exits 1 even when it opened the window: its exit code says nothing.
      if (process.platform === 'win32') { child.once('spawn', () => { child.unref(); resolve() }); return }
      // xdg-open and open hand the path on and exit; a code other than 0 means nothing was opened
      // (xdg-open: 3 = no program for it, 4 = the program failed). One still running has opened it.
      const launched = setTimeout(() => { child.unref(); resolve() }, OPENER_WAIT_MS)
      child.once('exit', code => {
        clearTimeout(launched)
        if (code === 0) resolve()
        else reject(new UnsupportedError(`no program here could open ${target} (${cmd} exited with ${code ?? 'a signal'})`))
      })
    })
  }
  return {
    open: run,
    reveal: async path => { await run(process.platform === 'darwin' ? path : dirname(path)) }
  }
}

function platformOpener (): string {
  return process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open'
}

/** How long an opener may run before it counts as having opened the path (a program it started in its place). */
const OPENER_WAIT_MS = 5_000
