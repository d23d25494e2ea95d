import type { DownloadDelta, DownloadInfo, EventName, Events } from '../../shared/api.js'

/** Download deltas go out at most this often: a human reads four updates a second fine. */
export const PUSH_INTERVAL_MS = 250

export type EventListener = <E extends EventName>(name: E, payload: Events[E]) => void

/**
 * Fan-out of events to every connected client. Download changes are
 * coalesced per download and pushed as deltas (only the fields that changed)
 * every PUSH_INTERVAL_MS, never as full state dumps (STYLE.md §6).
 */
export class EventFanout {
  private readonly listeners = new Set<EventListener>()
  private readonly sent = new Map<string, DownloadInfo>()
  private readonly pending = new Map<string, DownloadInfo>()
  private timer: NodeJS.Timeout | undefined

  subscribe (listener: EventListener): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  emit<E extends EventName> (name: E, payload: Events[E]): void {
    for (const l of this.listeners) {
      try { l(name, payload) } catch { /* one broken client must not stop the others */ }
    }
  }

  /** The download as it is now; what changed is pushed with the next batch. */
  downloadChanged (info: DownloadInfo): void {
    this.pending.set(info.id, info)
    this.timer ??= setTimeout(() => { this.flush() }, PUSH_INTERVAL_MS)
  }

  /** A new or removed download resets what clients are known to hold. */
  downloadAdded (info: DownloadInfo): void {
    this.sent.set(info.id, structuredClone(info))
    this.emit('downloadAdded', info)
  }

  downloadRemoved (id: string): void {
    this.sent.delete(id)
    this.pending.delete(id)
    this.emit('downloadRemoved', { id })
  }

  flush (): void {
    clearTimeout(this.timer)
    this.timer = undefined
    const deltas: DownloadDelta[] = []
    for (const [id, now] of this.pending) {
      const before = this.sent.get(id)
      if (before == null) continue
      const delta = diff(before, now)
      if (delta != null) deltas.push(delta)
      this.sent.set(id, structuredClone(now))
    }
    this.pending.clear()
    if (deltas.length > 0) this.emit('downloadsChanged', deltas)
  }

  close (): void {
    clearTimeout(this.timer)
    this.listeners.clear()
  }
}

export function diff (before: DownloadInfo, now: DownloadInfo): DownloadDelta | null {
  const delta: Record<string, unknown> = { id: now.id }
  let changed = false
  for (const key of Object.keys(now) as Array<keyof DownloadInfo>) {
    if (JSON.stringify(before[key]) !== JSON.stringify(now[key])) { delta[key] = now[key]; changed = true }
  }
  return changed ? delta as DownloadDelta : null
}
