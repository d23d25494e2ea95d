import { homedir } from 'node:os'
import { join } from 'node:path'
import { settingsSchema, type Settings } from '../../shared/api.js'
import type { JsonFile, StateFiles } from '../engine/index.js'

const FILE = 'settings.json'

export function defaultSettings (): Settings {
  return { downloadDir: join(homedir(), 'Downloads'), listenPort: 0, upLimit: 0, downLimit: 0, publicDht: false, hubAddr: '', portMapping: true }
}

/**
 * The user's settings, in `<data>/settings.json`. Fields it lacks take their
 * defaults; a damaged file is moved aside and reported, and the app starts on
 * the defaults rather than failing to start.
 */
export class SettingsStore {
  private current: Settings = defaultSettings()
  private readonly file: JsonFile<Partial<Settings>>

  constructor (state: StateFiles) {
    this.file = state.file(FILE, settingsSchema.partial(), () => ({}))
  }

  async load (overrides: Partial<Settings> = {}): Promise<Settings> {
    this.current = { ...defaultSettings(), ...await this.file.load(), ...overrides }
    return this.current
  }

  get (): Settings {
    return { ...this.current }
  }

  async update (patch: Partial<Settings>): Promise<Settings> {
    const next = settingsSchema.parse({ ...this.current, ...patch })
    await this.file.save(next)
    this.current = next
    return this.get()
  }
}
