/** Hashing progress goes out at most this often: enough for a bar, little for a socket or a terminal. */
export const HASHING_PROGRESS_MS = 250

/**
 * Passes progress on at most once every `ms`, and always the last update
 * (bytes reaching total), so whoever shows it never stops short of 100%.
 */
export function throttleProgress<P extends { bytes: number, total: number }> (report: (p: P) => void, ms = HASHING_PROGRESS_MS): (p: P) => void {
  let last = 0
  return p => {
    const now = Date.now()
    if (now - last < ms && p.bytes < p.total) return
    last = now
    report(p)
  }
}
