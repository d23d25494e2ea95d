/** The engine's public surface. Front ends import from here (through api/), never from deeper. */
export { Engine, DEFAULT_LISTEN } from './engine.js'
export type { EngineConfig, ShareOptions, ShareResult, GetOptions, PeerSnapshot } from './engine.js'
export type { DownloadOutcome, DownloadView } from './download/runner.js'
export type { DownloadProgress } from './download/download.js'
export type { HashProgress } from './store/share-store.js'
export type { Encrypter } from './node/constants.js'
export type { ShareRecord } from './store/share-store.js'
export type { Ban } from './store/ban-list.js'
