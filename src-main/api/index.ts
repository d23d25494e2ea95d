/**
 * The engine's one front door for every transport (CLI now; the daemon and
 * Electron IPC later share the same command router here).
 */
export { Engine, DEFAULT_LISTEN } from '../engine/index.js'
export type { EngineConfig, ShareResult, GetOptions, DownloadOutcome, DownloadProgress, HashProgress, Encrypter } from '../engine/index.js'
