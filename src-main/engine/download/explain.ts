import type { StallInfo } from '../../../shared/transfer.js'

/** Peer IDs are long; people recognise the start and the end. */
export function shortPeer (id: string): string {
  return id.length > 16 ? `${id.slice(0, 8)}…${id.slice(-6)}` : id
}

function pieceList (sample: readonly number[], total: number): string {
  const shown = sample.slice(0, 5).map(i => `#${i}`).join(', ')
  return total > sample.slice(0, 5).length ? `${shown}, …` : shown
}

/** One sentence on why a download with peers makes no progress. */
export function stallMessage (s: StallInfo): string {
  const what = `${s.pieces} piece${s.pieces === 1 ? '' : 's'} (${pieceList(s.sample, s.pieces)})`
  const why: string[] = []
  if (s.failedBy.length > 0) why.push(`${s.failedBy.map(shortPeer).join(', ')} sent corrupt data for ${s.pieces === 1 ? 'it' : 'them'}`)
  if (s.unavailable > 0) why.push(s.unavailable === s.pieces ? 'no connected peer has them' : `${s.unavailable} of them no connected peer has`)
  return `stalled: ${what} ${s.pieces === 1 ? 'has' : 'have'} no good source${why.length > 0 ? `: ${why.join('; ')}` : ''}`
}
