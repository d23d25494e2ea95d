/**
 * The engine's one front door for every transport: the CLI, the daemon's
 * WebSocket and Electron's IPC all go through here, never deeper.
 */
export { Engine, DEFAULT_LISTEN, BanList, shortPeer, stallMessage } from '../engine/index.js'
export type { EngineConfig, ShareResult, GetOptions, DownloadOutcome, DownloadProgress, HashProgress, Encrypter, HubServerConfig, RelayLimits, StoreLimits, PortChange } from '../engine/index.js'
export { startApp, type App, type AppOptions } from './app.js'
export { Router } from './router.js'
export type { Opener } from './downloads.js'
export { UploadArea } from './browser-uploads.js'
export { seedFinished } from './seed.js'
export { throttleProgress } from './progress.js'
export { log, writeFileAtomic, JsonFile, StateFiles } from '../engine/index.js'
