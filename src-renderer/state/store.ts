import type { DownloadDelta, DownloadInfo, Events, PeerInfo, Settings, ShareInfo, ShareStats, Status } from '../../shared/api.js'
import type { Connectivity } from '../../shared/connectivity.js'
import type { FeedItem } from '../../shared/feed.js'

/** Seconds of throughput history the chart shows. */
export const CHART_SECONDS = 120
const FEED_KEEP = 200

export interface HashingJob { job: string, name: string, bytes: number, total: number }

export interface AppState {
  status: Status | null
  settings: Settings | null
  shares: ShareInfo[]
  downloads: DownloadInfo[]
  peers: PeerInfo[]
  /** How the internet reaches this node (the Peers tab's first card). */
  connectivity: Connectivity | null
  feed: FeedItem[]
  throughput: Array<{ at: number, up: number, down: number }>
  hashing: HashingJob[]
  /** Each share's upload, by CID, from the once-a-second pushes (the list gives totals only). */
  shareStats: Record<string, ShareStats>
  connected: boolean
}

export const initialState: AppState = { status: null, settings: null, shares: [], downloads: [], peers: [], connectivity: null, feed: [], throughput: [], hashing: [], shareStats: {}, connected: true }

export type Action =
  | { type: 'loaded', status: Status, settings: Settings, shares: ShareInfo[], downloads: DownloadInfo[], peers: PeerInfo[], connectivity: Connectivity, feed: FeedItem[] }
  | { type: 'settings', settings: Settings }
  | { type: 'status', status: Status }
  | { type: 'connection', up: boolean }
  | { [E in keyof Events]: { type: 'event', name: E, payload: Events[E] } }[keyof Events]

/** Applies a full load or one pushed event (a delta) to the state. Pure, so it is tested directly. */
export function reduce (s: AppState, a: Action): AppState {
  switch (a.type) {
    case 'loaded': return { ...s, status: a.status, settings: a.settings, shares: a.shares, downloads: a.downloads, peers: a.peers, connectivity: a.connectivity, feed: a.feed.filter((x, i, all) => !repeats(all.slice(0, i), x)).slice(-FEED_KEEP) }
    case 'settings': return { ...s, settings: a.settings }
    case 'status': return { ...s, status: a.status }
    case 'connection': return { ...s, connected: a.up }
    case 'event': return applyEvent(s, a)
  }
}

function applyEvent (s: AppState, a: Extract<Action, { type: 'event' }>): AppState {
  switch (a.name) {
    case 'hashing': {
      const p = a.payload
      const rest = s.hashing.filter(h => h.job !== p.job)
      return { ...s, hashing: p.bytes >= p.total ? rest : [...rest, p] }
    }
    case 'shareAdded': return { ...s, shares: [...s.shares.filter(x => x.cid !== a.payload.cid), a.payload] }
    case 'shareRemoved': return { ...s, shares: s.shares.filter(x => x.cid !== a.payload.cid) }
    case 'downloadAdded': return { ...s, downloads: [...s.downloads.filter(d => d.id !== a.payload.id), a.payload] }
    case 'downloadsChanged': return { ...s, downloads: applyDeltas(s.downloads, a.payload) }
    case 'downloadRemoved': return { ...s, downloads: s.downloads.filter(d => d.id !== a.payload.id) }
    case 'peersChanged': {
      const gone = new Set([...a.payload.remove, ...a.payload.upsert.map(p => p.peerId)])
      return { ...s, peers: [...s.peers.filter(p => !gone.has(p.peerId)), ...a.payload.upsert] }
    }
    case 'throughput': return { ...s, throughput: [...s.throughput, a.payload].slice(-CHART_SECONDS) }
    case 'shareStats': return { ...s, shareStats: { ...s.shareStats, ...Object.fromEntries(a.payload.map(x => [x.cid, x])) } }
    case 'feed': return repeats(s.feed, a.payload) ? s : { ...s, feed: [...s.feed, a.payload].slice(-FEED_KEEP) }
    case 'connectivityChanged': return { ...s, connectivity: a.payload }
    case 'stateDamaged': return s.status == null ? s : { ...s, status: { ...s.status, damagedFiles: [...s.status.damagedFiles, a.payload] } }
    case 'downloadFinished': return s
  }
}

export function applyDeltas (list: DownloadInfo[], deltas: DownloadDelta[]): DownloadInfo[] {
  const byId = new Map(deltas.map(d => [d.id, d]))
  return list.map(d => {
    const delta = byId.get(d.id)
    return delta == null ? d : { ...d, ...delta }
  })
}

/**
 * A member re-announces its presence every half minute; the feed shows a
 * presence only when it says something new (the same peer, swarm and message
 * as that peer's last presence there is not news).
 */
export function repeats (feed: readonly FeedItem[], item: FeedItem): boolean {
  if (item.message.type !== 'presence') return false
  for (let i = feed.length - 1; i >= 0; i--) {
    const x = feed[i]!
    if (x.from !== item.from || x.cid !== item.cid || x.message.type !== 'presence') continue
    return JSON.stringify(x.message) === JSON.stringify(item.message)
  }
  return false
}
