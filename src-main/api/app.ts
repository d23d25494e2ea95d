import { mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import { Engine, StateFiles, type Encrypter } from '../engine/index.js'
import { DownloadManager, type Opener } from './downloads.js'
import { EventFanout } from './event-fanout.js'
import { Router } from './router.js'
import { SettingsStore } from './settings.js'
import { UploadArea } from './browser-uploads.js'

export interface AppOptions {
  dataDir: string
  shell: 'electron' | 'daemon'
  version: string
  /** Overrides the listen port setting (tests, `--listen`). */
  listen?: string[]
  bootstrap?: string[]
  /** Overrides the hub setting for this run (`--hub`). */
  hub?: string
  mdns?: boolean
  /** Overrides the port mapping setting for this run (`--no-upnp`). */
  portMapping?: boolean
  encrypters?: Encrypter[]
  /** Overrides the download folder setting for this run (`daemon --out`). */
  downloadDir?: string
  opener?: Opener | null
}

/** The engine plus everything a front end talks to, assembled from the user's settings. */
export interface App {
  engine: Engine
  router: Router
  uploads: UploadArea
  stop: () => Promise<void>
}

export async function startApp (opts: AppOptions): Promise<App> {
  const dataDir = resolve(opts.dataDir)
  await mkdir(dataDir, { recursive: true })
  // One for the data folder: the engine's files and ours (settings, the download list) report damage in one place.
  const state = new StateFiles(dataDir)
  const settings = new SettingsStore(state)
  const s = await settings.load(opts.downloadDir != null ? { downloadDir: resolve(opts.downloadDir) } : {})
  const engine = await Engine.create({
    dataDir,
    state,
    // Port 0 in the settings means the engine's default: a port chosen once and kept in the data folder.
    listen: opts.listen != null && opts.listen.length > 0 ? opts.listen : s.listenPort !== 0 ? [`/ip4/0.0.0.0/tcp/${s.listenPort}`] : undefined,
    bootstrap: opts.bootstrap,
    hub: opts.hub ?? (s.hubAddr !== '' ? s.hubAddr : undefined),
    mdns: opts.mdns,
    publicDht: s.publicDht,
    upLimit: s.upLimit,
    downLimit: s.downLimit,
    encrypters: opts.encrypters,
    portMapping: opts.portMapping ?? s.portMapping
  })
  const fanout = new EventFanout()
  const downloads = new DownloadManager(engine, fanout, () => settings.get().downloadDir, opts.opener ?? null)
  await downloads.load()
  const uploads = new UploadArea(dataDir)
  // Uploads cancelled, or cut off by a crash, before they were shared would otherwise stay forever.
  await uploads.sweep(engine.listShares().flatMap(x => x.roots))
  const router = new Router({ engine, fanout, downloads, settings, uploads, shell: opts.shell, version: opts.version })
  return {
    engine,
    router,
    uploads,
    stop: async () => {
      await downloads.close()
      await router.close()
      await engine.stop()
    }
  }
}
