import * as z from 'zod'
import type { CatalogEntry } from './catalog.js'
import type { Connectivity, PeerRoute } from './connectivity.js'
import type { ErrorCode, FileChangeKind } from './errors.js'
import type { FeedItem } from './feed.js'
import type { SourceSummary, StallInfo, TransferPath, WaitingInfo } from './transfer.js'
import { COMMAND_NAMES, EVENT_NAMES } from './api-names.js'

/**
 * The one contract between every front end and the engine (STYLE.md §2): a
 * map of commands (name -> request schema -> response type) and a map of
 * events. The Electron preload, the browser's WebSocket client and the
 * router are all derived from it, and every request is parsed by its schema
 * before it reaches the engine, because a renderer can be compromised.
 */

/** Longest link, path or peer argument we accept: far above any real one, far below abuse. */
const MAX_TEXT = 8_192
const MAX_PATHS = 1_000

const text = z.string().min(1).max(MAX_TEXT)
/** A download or share is named by an id the router handed out, never by a path. */
const id = z.string().min(1).max(200)
const rate = z.number().int().min(0).max(10 * 1024 ** 3)
const empty = z.object({}).strict()
/** Base58 peer IDs are ~52 characters; the engine parses them properly. */
/** The shape of a base58 peer ID; the engine then parses it for real. */
export const PEER_ID_PATTERN = /^[1-9A-HJ-NP-Za-km-z]{32,128}$/
const peerId = z.string().regex(PEER_ID_PATTERN)
const MAX_ALLOW = 256
/** A private share: listed peers only, and/or holders of a secret in the link. */
const shareAccessRequest = z.object({ allow: z.array(peerId).max(MAX_ALLOW).optional(), secret: z.boolean().optional() }).strict()

export const settingsSchema = z.object({
  /** Where downloads go. */
  downloadDir: z.string().min(1).max(4096),
  /** TCP port to listen on; 0 picks a free one. Applies at the next start. */
  listenPort: z.number().int().min(0).max(65535),
  /** Bytes per second; 0 means no limit. */
  upLimit: rate,
  downLimit: rate,
  /** Also join the public IPFS DHT. Applies at the next start. */
  publicDht: z.boolean(),
  /** Multiaddr of a hub (bootstrap, relay, tracker, store); empty for none. */
  hubAddr: z.string().max(1024),
  /** Ask the home router to open our port (UPnP-IGD, NAT-PMP). Applies at the next start. */
  portMapping: z.boolean()
}).strict()
export type Settings = z.infer<typeof settingsSchema>

export const commands = {
  status: { request: empty },
  listShares: { request: empty },
  /** Shares files or folders already on the engine's disk (Electron drag and drop, or the daemon's uploads). */
  addShares: { request: z.object({ paths: z.array(text).min(1).max(MAX_PATHS), access: shareAccessRequest.optional() }).strict() },
  /** Changes who may fetch a share; peers being served who no longer qualify are cut off at once. */
  setShareAccess: { request: z.object({ cid: id, allow: z.array(peerId).max(MAX_ALLOW).optional(), secret: z.enum(['rotate', 'none']).optional() }).strict() },
  removeShare: { request: z.object({ cid: id }).strict() },
  /** Hashes a changed share's files again as they are now and shares the result in its place. */
  reshare: { request: z.object({ cid: id }).strict() },
  /** Stops hashing a share being added (the job of its `hashing` events); the add then fails with ABORTED and nothing is shared. */
  cancelHashing: { request: z.object({ job: id }).strict() },
  listDownloads: { request: empty },
  /** A link or a bare CID; extra peers are multiaddrs or peer IDs. */
  startDownload: { request: z.object({ target: text, peers: z.array(text).max(64).optional() }).strict() },
  /** Pauses a running download; on a finished one, stops seeding it (its files stay). */
  pauseDownload: { request: z.object({ id }).strict() },
  /** Resumes a paused or failed download; on a finished one, checks its files and seeds them again. */
  resumeDownload: { request: z.object({ id }).strict() },
  /** Stops and forgets a download; unfinished data is deleted, finished files stay. */
  cancelDownload: { request: z.object({ id }).strict() },
  /** Opens a finished download with the system's default app (by id: the renderer never names a path). */
  openDownload: { request: z.object({ id }).strict() },
  showDownloadInFolder: { request: z.object({ id }).strict() },
  pieceMap: { request: z.object({ id }).strict() },
  /** What a peer shares: a bare peer ID (found through the DHT) or a multiaddr. */
  browsePeer: { request: z.object({ peer: text }).strict() },
  listPeers: { request: empty },
  /** How the internet can reach this node; `recheck` asks the hub to dial us back now. */
  connectivity: { request: z.object({ recheck: z.boolean().optional() }).strict() },
  listFeed: { request: empty },
  listBans: { request: empty },
  unban: { request: z.object({ peerId }).strict() },
  getSettings: { request: empty },
  setSettings: { request: settingsSchema.partial().strict() }
} as const

export type CommandName = keyof typeof commands
export type Request<C extends CommandName> = z.input<(typeof commands)[C]['request']>

/**
 * A download's life: `checking` what an earlier run left, `downloading` ⇄
 * `waiting` (no reachable source; it keeps looking and resumes by itself) ⇄
 * `stalled` (peers, but the missing pieces have no good source), then
 * `seeding`. `paused` and `failed` (a cause the user must act on) keep every verified piece.
 */
/** `seeding`: finished and offered to others; `finished`: finished, no longer offered (seeding was stopped). */
export type DownloadState = 'connecting' | 'checking' | 'downloading' | 'waiting' | 'stalled' | 'paused' | 'seeding' | 'finished' | 'failed'

/** The engine is running the download (and counting who has what). */
export function isRunning (state: DownloadState): boolean {
  return state === 'connecting' || state === 'checking' || state === 'downloading' || state === 'waiting' || state === 'stalled'
}

/** Every file is verified and in place, seeded or not. */
export function isDone (state: DownloadState): boolean {
  return state === 'seeding' || state === 'finished'
}

export interface ShareInfo {
  cid: string
  name: string
  size: number
  files: number
  link: string
  createdAt: number
  /** Who may fetch it: anyone, holders of the link (its secret), or listed peers. */
  access: 'public' | 'secret' | 'allow-list'
  allow: string[]
  /** Set when a file of it changed on disk: it is no longer served until shared again. */
  changed?: ShareChangeInfo
  /** Shared from a copy uploaded by a browser into the data folder (deleted when the share stops), not from the user's own files. */
  uploadedCopy: boolean
  /** Piece bytes sent since start, and the peers they went to. */
  sent: number
  servedTo: string[]
}

export interface ShareChangeInfo {
  /** The file that changed, as the share names it (its path inside the share). */
  file: string
  kind: FileChangeKind
  /** In words for people: "the file was deleted or moved". */
  reason: string
  at: number
}

export interface DownloadInfo {
  /** The router's id for this download (the content ID). */
  id: string
  cid: string
  name: string
  state: DownloadState
  bytes: number
  total: number
  /** Bytes per second, averaged over the last few seconds. */
  speed: number
  peers: number
  pieces: number
  /** Where the files are (the download folder until the name is known). */
  path: string
  sources: Record<string, SourceSummary>
  /** Bytes received along each route (direct, through a relay, from a hub's store), all runs together. */
  paths: Record<TransferPath, number>
  error: { code: ErrorCode, message: string } | null
  /** While `waiting`: who it last had, and what it keeps trying. */
  waiting: WaitingInfo | null
  /** While `stalled`: which pieces have no good source, and why. */
  stall: StallInfo | null
  addedAt: number
  finishedAt: number | null
}

export type DownloadDelta = Pick<DownloadInfo, 'id'> & Partial<Omit<DownloadInfo, 'id'>>

export interface PeerInfo {
  peerId: string
  addrs: string[]
  direction: 'inbound' | 'outbound'
  /** Straight to an address it listens on, direct after hole punching, or through a relay. */
  route: PeerRoute
  latencyMs: number | null
  bytesIn: number
  bytesOut: number
  since: number
}

/** A peer we refuse to talk to (bad pieces, protocol violations), and until when. */
export interface BanInfo {
  peerId: string
  /** Epoch milliseconds. */
  until: number
  reason: string
}

export interface PieceMap {
  pieces: number
  /** Bitfield, base64, most significant bit first (piece 0 is the top bit of byte 0). */
  have: string
  /** Connected peers that have each piece. */
  availability: number[]
  /** The download is running, so availability was counted; false: stopped, and 0 means "not known", not "nobody". */
  live: boolean
}

/** What a sharer sees of one share: who downloads it from us and how much went out, in this run. */
export interface ShareStats {
  cid: string
  /** Piece bytes sent since Swarmdrop started. */
  sent: number
  /** Bytes per second over the last sample. */
  speed: number
  /** Peers downloading it from us now. */
  peers: string[]
  /** Every peer that got a piece of it since start. */
  servedTo: string[]
}

/** A state file of the data folder found damaged: moved aside (paths relative to the data folder), and its defaults used. */
export interface DamagedFile {
  file: string
  /** Where the damaged copy now is; the same as `file` when it could not be moved. */
  movedTo: string
  reason: string
  at: number
}

export interface Status {
  peerId: string
  addrs: string[]
  version: string
  /** 'electron' or 'daemon': which shell the engine runs under. */
  shell: 'electron' | 'daemon'
  /** Changed settings that wait for a restart. */
  restartNeeded: boolean
  /** The settings saved since start that apply only after a restart (keys of Settings). */
  restartFor: Array<keyof Settings>
  /** State files found damaged since start: each moved aside and started afresh, for the user to know. */
  damagedFiles: DamagedFile[]
}

export interface Responses {
  status: Status
  listShares: ShareInfo[]
  addShares: ShareInfo
  removeShare: Record<string, never>
  reshare: ShareInfo
  cancelHashing: { cancelled: boolean }
  listDownloads: DownloadInfo[]
  startDownload: DownloadInfo
  pauseDownload: DownloadInfo
  resumeDownload: DownloadInfo
  cancelDownload: Record<string, never>
  openDownload: Record<string, never>
  showDownloadInFolder: Record<string, never>
  pieceMap: PieceMap
  browsePeer: { peerId: string, entries: CatalogEntry[] }
  listPeers: PeerInfo[]
  connectivity: Connectivity
  listFeed: FeedItem[]
  listBans: BanInfo[]
  unban: { wasBanned: boolean }
  setShareAccess: ShareInfo
  getSettings: Settings
  setSettings: Settings
}
export type Response<C extends CommandName> = Responses[C]

/** Pushed to every client. Deltas, batched: at most a few per second each (see router). */
export interface Events {
  /** Hashing a new share (and, in the browser, uploading it first). */
  hashing: { job: string, name: string, bytes: number, total: number }
  shareAdded: ShareInfo
  shareRemoved: { cid: string }
  downloadAdded: DownloadInfo
  /** Only the fields that changed since the last push. */
  downloadsChanged: DownloadDelta[]
  downloadRemoved: { id: string }
  /** Peers that connected or changed, and peers that left. */
  peersChanged: { upsert: PeerInfo[], remove: string[] }
  /** Piece bytes per second, once a second: the throughput chart. */
  throughput: { at: number, up: number, down: number }
  /** Once a second while anything was sent: each share's upload (only the shares that changed). */
  shareStats: ShareStats[]
  feed: FeedItem
  /** How the internet reaches us changed: an address confirmed or lost, the router's mapping, the relay slot, a hole punch. */
  connectivityChanged: Connectivity
  /** A state file was found damaged and moved aside. */
  stateDamaged: DamagedFile
  /** A download finished (the shell shows a notification). */
  downloadFinished: { id: string, name: string, path: string }
}
export type EventName = keyof Events

// The name lists live in a zod-free module so the Electron preload stays tiny; these lines hold them to the maps above.
const _commandsListed: readonly CommandName[] = COMMAND_NAMES
const _commandsComplete: Record<CommandName, true> = Object.fromEntries(COMMAND_NAMES.map(n => [n, true])) as Record<(typeof COMMAND_NAMES)[number], true>
const _eventsListed: readonly EventName[] = EVENT_NAMES
const _eventsComplete: Record<EventName, true> = Object.fromEntries(EVENT_NAMES.map(n => [n, true])) as Record<(typeof EVENT_NAMES)[number], true>
void _commandsListed; void _commandsComplete; void _eventsListed; void _eventsComplete
export { COMMAND_NAMES, EVENT_NAMES, IPC_CHANNEL_PREFIX, IPC_CONNECTION_CHANNEL, IPC_EVENT_CHANNEL } from './api-names.js'

/** Errors cross every boundary as data: Electron keeps only an error's message across IPC. */
export type Result<T> = { ok: true, value: T } | { ok: false, error: { code: ErrorCode, message: string } }

/** The frames of the WebSocket and MessagePort transports. */
export type ClientFrame = { type: 'call', id: number, command: CommandName, request: unknown }
export type ServerFrame =
  | { type: 'result', id: number, result: Result<unknown> }
  | { type: 'event', name: EventName, payload: unknown }

export const clientFrameSchema = z.object({
  type: z.literal('call'),
  id: z.number().int().nonnegative(),
  command: z.enum(Object.keys(commands) as [CommandName, ...CommandName[]]),
  request: z.unknown()
}).strict()

/** Largest frame a client may send: requests are small; files travel by upload, not by frame. */
export const MAX_CLIENT_FRAME_BYTES = 1024 * 1024

/** The bridge the renderer talks to: named functions only, one per command, plus events. */
export type SwarmdropApi = { [C in CommandName]: (request: Request<C>) => Promise<Response<C>> }

export interface SwarmdropBridge extends SwarmdropApi {
  shell: 'electron' | 'browser'
  on: <E extends EventName>(name: E, listener: (payload: Events[E]) => void) => () => void
  /**
   * Shares files dropped on the window. Electron passes their paths
   * (webUtils.getPathForFile); the browser streams them to the daemon
   * (`signal` stops that upload; the daemon deletes what it got).
   */
  shareFiles: (files: DroppedFile[], onProgress?: (sent: number, total: number) => void, signal?: AbortSignal) => Promise<ShareInfo>
  /** Electron only: whether the engine behind the window is up (it is restarted after a crash). */
  onConnection?: (listener: (state: 'up' | 'down') => void) => () => void
}

/** A dropped file and where it sits in the dropped folder ('' parts for a loose file). */
export interface DroppedFile {
  file: File
  /** Relative path inside a dropped folder, e.g. 'photos/2024/a.jpg'; just the name for a loose file. */
  relativePath: string
}
