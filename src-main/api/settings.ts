import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { settingsSchema, type Settings } from '../../shared/api.js'
import { writeFileAtomic } from '../engine/index.js'

const FILE = 'settings.json'

export function defaultSettings (): Settings {
  return { downloadDir: join(homedir(), 'Downloads'), listenPort: 0, upLimit: 0, downLimit: 0, publicDht: false, hubAddr: '', portMapping: true }
}

/**
 * The user's settings, in `<data>/settings.json`. A damaged or hand-edited
 * file falls back to the defaults field by field rather than failing to start.
 */
export class SettingsStore {
  private current: Settings = defaultSettings()

  constructor (private readonly dataDir: string) {}

  async load (overrides: Partial<Settings> = {}): Promise<Settings> {
    const raw: unknown = await readFile(join(this.dataDir, FILE), 'utf8').then(t => JSON.parse(t) as unknown, () => ({}))
    const base = defaultSettings()
    const parsed = settingsSchema.partial().safeParse(raw)
    const saved = parsed.success ? parsed.data : {}
    this.current = { ...base, ...saved, ...overrides }
    return this.current
  }

  get (): Settings {
    return { ...this.current }
  }

  async update (patch: Partial<Settings>): Promise<Settings> {
    this.current = settingsSchema.parse({ ...this.current, ...patch })
    await writeFileAtomic(join(this.dataDir, FILE), JSON.stringify(this.current, null, 2))
    return this.get()
  }
}
