/** Seconds left at the current speed, or null when it cannot be guessed. */
export function etaSeconds (bytes: number, total: number, speed: number): number | null {
  if (speed <= 0 || total <= bytes) return null
  return Math.ceil((total - bytes) / speed)
}

/** 75 -> "1m 15s" in English, "1분 15초" in Korean: units as the language writes them. */
export function formatDuration (s: number, lang = 'en'): string {
  const unit = (n: number, u: 'second' | 'minute' | 'hour'): string => new Intl.NumberFormat(lang, { style: 'unit', unit: u, unitDisplay: 'narrow' }).format(n)
  if (s < 60) return unit(s, 'second')
  if (s < 3600) return `${unit(Math.floor(s / 60), 'minute')} ${unit(s % 60, 'second')}`
  return `${unit(Math.floor(s / 3600), 'hour')} ${unit(Math.floor((s % 3600) / 60), 'minute')}`
}

/** A moment as the chosen language writes a date and time. */
export function formatDateTime (ms: number, lang = 'en'): string {
  return new Date(ms).toLocaleString(lang)
}

/** A moment today, as the chosen language writes a time. */
export function formatTime (ms: number, lang = 'en'): string {
  return new Date(ms).toLocaleTimeString(lang)
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
