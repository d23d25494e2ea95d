/**
 * A signal that aborts after `ms` or when `parent` does. Built by hand
 * because on Node 20 a signal from AbortSignal.any([AbortSignal.timeout(..)])
 * can be collected before it fires, and the wait it guards then never ends
 * (seen here: a DHT lookup that ignored its 20 s limit). Call `clear` when done.
 */
export function deadline (ms: number, parent?: AbortSignal): { signal: AbortSignal, clear: () => void } {
  const controller = new AbortController()
  const onParent = (): void => { controller.abort(parent?.reason) }
  const timer = setTimeout(() => { controller.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError')) }, ms)
  // A forgotten clear() must not keep the process alive.
  timer.unref()
  if (parent?.aborted === true) controller.abort(parent.reason)
  else parent?.addEventListener('abort', onParent, { once: true })
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer)
      parent?.removeEventListener('abort', onParent)
    }
  }
}
