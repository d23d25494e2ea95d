/**
 * How bytes reached us: straight from the peer, direct after hole punching
 * (through both routers, arranged over a relay), through a relay, or from a
 * hub's store. In the order of preference.
 */
export const TRANSFER_PATHS = ['direct', 'punched', 'relay', 'hub'] as const
export type TransferPath = typeof TRANSFER_PATHS[number]

/** Bytes per route, none yet. */
export function noPaths (): Record<TransferPath, number> {
  return { direct: 0, punched: 0, relay: 0, hub: 0 }
}

export interface SourceSummary {
  bytes: number
  /** The route it sends on now (the last one, when a relayed connection went direct). */
  path: TransferPath
  /** Bytes along each route, when more than one carried them. */
  paths?: Partial<Record<TransferPath, number>>
}

/** A source's bytes by route. */
export function routeBytes (s: SourceSummary): Partial<Record<TransferPath, number>> {
  return s.paths ?? { [s.path]: s.bytes }
}

/** One source's bytes over two runs (or two tallies), route by route. */
export function addSources (a: SourceSummary | undefined, b: SourceSummary): SourceSummary {
  if (a == null) return b
  const paths: Partial<Record<TransferPath, number>> = { ...routeBytes(a) }
  for (const [p, n] of Object.entries(routeBytes(b)) as Array<[TransferPath, number]>) paths[p] = (paths[p] ?? 0) + n
  return summarize(a.bytes + b.bytes, b.path, paths)
}

/** A source as reported: `paths` only when more than one route carried bytes. */
export function summarize (bytes: number, path: TransferPath, paths: Partial<Record<TransferPath, number>>): SourceSummary {
  const used = (Object.entries(paths) as Array<[TransferPath, number]>).filter(([, n]) => n > 0)
  return used.length > 1 ? { bytes, path, paths: Object.fromEntries(used) } : { bytes, path }
}

/** Bytes along each route over all sources. */
export function totalPaths (sources: Record<string, SourceSummary>): Record<TransferPath, number> {
  const paths = noPaths()
  for (const s of Object.values(sources)) for (const [p, n] of Object.entries(routeBytes(s)) as Array<[TransferPath, number]>) paths[p] += n
  return paths
}

/** One line of `get --json` and one download event in the UI. */
export interface ProgressEvent {
  event: 'progress'
  cid: string
  bytes: number
  total: number
  speed: number
  peers: number
}

export interface DoneEvent {
  event: 'done'
  cid: string
  path: string
  bytes: number
  sources: Record<string, SourceSummary>
  /** Bytes received this run along each route. */
  paths: Record<TransferPath, number>
  banned: string[]
}

export interface SharingEvent {
  event: 'sharing'
  cid: string
  link: string
  peerId: string
  addrs: string[]
  name: string
  size: number
  files: number
  hashedBytes: number
  reusedBytes: number
  /** Who may fetch it: anyone (false), holders of the link's secret, or listed peers. */
  private: false | 'secret' | 'allow-list'
}

/** `share --json` while it hashes what it was given. */
export interface HashingEvent {
  event: 'hashing'
  bytes: number
  total: number
}

/** `share --json`: a path left out of the share, and why ("symlink loop", …). */
export interface SkippedEvent {
  event: 'skipped'
  path: string
  reason: string
}

/** `share --push --json`: a copy is on its way to the hub, then kept there. */
export interface PushingEvent {
  event: 'pushing'
  cid: string
}

export interface PushedEvent {
  event: 'pushed'
  cid: string
  bytes: number
}

/** `get --json` while it re-verifies what an earlier run left on disk. */
export interface CheckingEvent {
  event: 'checking'
  bytes: number
  total: number
}

/** `get --json`: peers found, and how ('hint', 'dht', 'tracker', 'pex', …: the engine's DiscoveryVia). */
export interface PeersEvent {
  event: 'peers'
  via: string
  peers: string[]
}

/** The ways a download looks for peers, in the order it falls back on them. */
export type DiscoveryRoute = 'link' | 'remembered' | 'dht' | 'peer-lookup' | 'tracker' | 'relay' | 'hub-store' | 'lan'

/** A download with no reachable source: it keeps looking, and says for what. */
export interface WaitingInfo {
  /** When it last had a source (or started looking). */
  since: number
  /** The peer it last downloaded from, and when: "last seen 12D3…, 2 min ago". */
  lastSeen: { peerId: string, at: number } | null
  /** Peers it knows of and keeps trying. */
  known: number
  /** What it has tried so far. */
  tried: DiscoveryRoute[]
  /** When the next round of looking starts. */
  nextTryAt: number
}

/** Peers are there, but the pieces still missing have no good source. */
export interface StallInfo {
  since: number
  /** Missing pieces that nobody connected can supply. */
  pieces: number
  /** A few of them, for the message. */
  sample: number[]
  /** Peers that sent bad copies of them. */
  failedBy: string[]
  /** Of those pieces, how many no connected peer has at all. */
  unavailable: number
}

export interface WaitingEvent extends WaitingInfo {
  event: 'waiting'
  cid: string
}

export interface StalledEvent extends StallInfo {
  event: 'stalled'
  cid: string
}
