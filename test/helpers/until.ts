/** Resolves with the first truthy value `probe` gives, polling; fails after `timeoutMs` saying what it waited for. */
export async function until<T> (probe: () => T | Promise<T | null | undefined | false> | null | undefined | false, timeoutMs = 60_000, what = 'a condition'): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v != null && v !== false) return v
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}
