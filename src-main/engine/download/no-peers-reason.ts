import type { DiscoveryRoute } from '../../../shared/transfer.js'

/** What a download looked through before it found nobody to fetch from. */
export interface NoPeersSearch {
  /** The routes it tried (PeerFinder.triedRoutes()). */
  tried: readonly DiscoveryRoute[]
  /** Peers known by any route, none of which answered. */
  known: number
  /** Peers each lookup listed; when given, a route absent here listed nobody. */
  found?: Partial<Record<'dht' | 'tracker', number>>
  /** Peers named by the link or the user, when known. */
  named?: number
  /** A hub was in use: its tracker, relay and store could be asked. */
  hub?: boolean
  /** A private share is listed nowhere: only the peers in its link can serve it. */
  privateShare?: boolean
  /** Client-server mode (benchmarks): only the named peers are asked. */
  leechOnly?: boolean
}

/**
 * The NO_PEERS message a person reads: what was tried, what each route
 * answered, and what they can do about it. Pure, so every case is tested.
 */
export function noPeersReason (s: NoPeersSearch): string {
  if (s.leechOnly === true && s.known === 0) {
    return 'Nothing to download from: this mode uses only the peers named in the link or with --peer, and there are none.'
  }
  const tried = new Set(s.tried)
  const listed = (r: 'dht' | 'tracker', none: string): string => {
    if (s.found == null) return ''
    const n = s.found[r] ?? 0
    return n === 0 ? ` (${none})` : ` (${n} listed, none answered)`
  }
  const parts: string[] = []
  // Peers found by a lookup are dialled as the link's are: with none named, the lookup speaks for them.
  if (tried.has('link') && s.named !== 0) {
    const n = s.named
    parts.push(n == null ? "the link's peers (none answered)" : n === 1 ? 'the named peer (no answer)' : `the ${n} named peers (none answered)`)
  }
  if (tried.has('remembered')) parts.push('peers from earlier runs (none answered)')
  if (tried.has('dht')) parts.push(`the DHT${listed('dht', 'no record')}`)
  if (tried.has('peer-lookup')) parts.push('looking up known peers by ID (no new address)')
  if (tried.has('tracker')) parts.push(`the hub's tracker${listed('tracker', 'nobody listed')}`)
  if (tried.has('relay')) parts.push("the hub's relay (no answer through it either)")
  if (tried.has('hub-store')) parts.push("the hub's store (it has a copy, but did not answer)")
  if (tried.has('lan')) parts.push('the peers already connected (none has it)')

  const head = s.known > 0
    ? `Nobody sharing this could be reached (${s.known} ${s.known === 1 ? 'peer' : 'peers'} known).`
    : 'Nobody sharing this could be found.'
  const what = parts.length > 0
    ? `Tried: ${parts.join(', ')}.`
    : 'There was nobody to ask: no peers were named and this node is connected to no one.'
  let advice: string
  if (s.privateShare === true) advice = 'This share is private, so only the peers in its link can serve it: ask the sharer to stay online.'
  else if (s.leechOnly === true) advice = 'Check that the named peers are online.'
  else if (s.hub === true) advice = 'Ask the sharer to stay online, or to push the share to the hub so it stays downloadable while they are away.'
  else if (parts.length === 0) advice = 'Check the network connection, or add a bootstrap peer or a hub in Settings / with --bootstrap or --hub.'
  else advice = 'Ask the sharer to stay online, or add a hub in Settings / with --hub.'
  return `${head} ${what} ${advice}`
}
