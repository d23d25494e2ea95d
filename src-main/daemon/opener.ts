import { spawn } from 'node:child_process'
import { dirname } from 'node:path'
import { UnsupportedError } from '../../shared/errors.js'
import type { Opener } from '../api/index.js'

/**
 * "Open" and "show in folder" for a daemon whose browser runs on the same
 * desktop: the platform's opener, given a path the router looked up from a
 * transfer id (the browser never names a path).
 */
export function desktopOpener (): Opener {
  const run = async (target: string): Promise<void> => {
    const [cmd, args] = process.platform === 'darwin' ? ['open', [target]] : process.platform === 'win32' ? ['explorer', [target]] : ['xdg-open', [target]]
    await new Promise<void>((resolve, reject) => {
      const child = spawn(cmd, args, { stdio: 'ignore', detached: true })
      child.once('error', err => { reject(new UnsupportedError(`cannot open files here (${cmd}: ${err.message})`)) })
      child.once('spawn', () => { child.unref(); resolve() })
    })
  }
  return {
    open: run,
    reveal: async path => { await run(process.platform === 'darwin' ? path : dirname(path)) }
  }
}
