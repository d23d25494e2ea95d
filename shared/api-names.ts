/**
 * The command and event names of the API contract (shared/api.ts), kept
 * free of imports so the Electron preload can carry them without zod.
 * api.ts checks at compile time that these lists match its maps exactly.
 */
export const COMMAND_NAMES = [
  'status', 'listShares', 'addShares', 'removeShare', 'reshare', 'cancelHashing', 'listDownloads', 'startDownload', 'pauseDownload', 'resumeDownload',
  'cancelDownload', 'openDownload', 'showDownloadInFolder', 'pieceMap', 'browsePeer', 'listPeers', 'connectivity', 'listFeed', 'listBans',
  'unban', 'setShareAccess', 'getSettings', 'setSettings'
] as const

export const EVENT_NAMES = [
  'hashing', 'shareAdded', 'shareRemoved', 'downloadAdded', 'downloadsChanged', 'downloadRemoved', 'peersChanged',
  'throughput', 'shareStats', 'feed', 'connectivityChanged', 'stateDamaged', 'downloadFinished'
] as const

/** IPC channels in Electron: one per command (`swarmdrop:<command>`), one for pushed events. */
export const IPC_CHANNEL_PREFIX = 'swarmdrop:'
export const IPC_EVENT_CHANNEL = 'swarmdrop:event'
/** Main tells the window whether its engine is up ('up' | 'down'): a crashed engine is restarted meanwhile. */
export const IPC_CONNECTION_CHANNEL = 'swarmdrop:connection'
