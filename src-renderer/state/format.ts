/** Seconds left at the current speed, or null when it cannot be guessed. */
export function etaSeconds (bytes: number, total: number, speed: number): number | null {
  if (speed <= 0 || total <= bytes) return null
  return Math.ceil((total - bytes) / speed)
}

export function formatDuration (s: number): string {
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`
}

export function shortId (peerId: string): string {
  return peerId.length <= 14 ? peerId : `${peerId.slice(0, 6)}…${peerId.slice(-6)}`
}

/** Is this input a share link or content ID (download) or a peer (browse)? */
export function classifyJoinInput (text: string): 'link' | 'peer' | 'empty' {
  const t = text.trim()
  if (t === '') return 'empty'
  if (t.startsWith('swarmdrop:') || /^bafy[a-z2-7]{20,}$/.test(t)) return 'link'
  return 'peer'
}
