import { homedir } from 'node:os'
import { join } from 'node:path'

/** The OS's usual place for an app's own data. */
export function defaultDataDir (): string {
  const env = process.env
  if (process.platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Swarmdrop')
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Swarmdrop')
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'swarmdrop')
}
