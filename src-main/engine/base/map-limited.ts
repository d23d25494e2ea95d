/**
 * `fn` over every item, at most `limit` at a time, results in the items'
 * order. For many small disk operations (a stat, a hash of a small file),
 * which each wait on the disk and cost little CPU: one after another they
 * leave the disk idle between them, all at once they swamp the thread pool.
 */
export async function mapLimited<T, R> (items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}
