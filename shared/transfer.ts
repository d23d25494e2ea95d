/** How bytes reached us: straight from the peer, through a relay, or from a hub's store. */
export type TransferPath = 'direct' | 'relay' | 'hub'

export interface SourceSummary {
  bytes: number
  path: TransferPath
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
