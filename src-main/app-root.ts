import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The installed package's root folder, found by walking up to our own
 * package.json: the same answer whether this runs from dist/src-main/ as
 * compiled or from the one-file CLI bundle, which sit at different depths.
 */
export function appRoot (from = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'swarmdrop') return dir
    if (dirname(dir) === dir) throw new Error(`no swarmdrop package.json above ${from}`)
  }
}

/** The built renderer, which the daemon serves. */
export const uiRoot = (): string => join(appRoot(), 'dist', 'renderer')

export function appVersion (): string {
  return (JSON.parse(readFileSync(join(appRoot(), 'package.json'), 'utf8')) as { version: string }).version
}
