import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FileHandleCache } from '../../../../src-main/engine/storage/file-cache.js'
import { useScratch } from '../../../helpers/cli.js'

describe('FileHandleCache', () => {
  const { dir } = useScratch('fcache-')

  it('keeps at most `max` idle handles and never closes one under a reader', async () => {
    const cache = new FileHandleCache(2)
    const paths = await Promise.all(Array.from({ length: 6 }, async (_, i) => {
      const p = join(dir(), `f${i}`)
      await writeFile(p, Buffer.alloc(1000, i))
      return p
    }))
    // Many reads at once across more files than the cache holds: all must succeed.
    const reads = await Promise.all(paths.flatMap((p, i) => [0, 100, 500].map(async off => ({ i, buf: await cache.read(p, off, 100) }))))
    for (const { i, buf } of reads) expect(buf.every(b => b === i)).toBe(true)
    expect(cache.size).toBeLessThanOrEqual(2)
    await cache.closeAll()
    expect(cache.size).toBe(0)
  })

  it('fails a read past the end of the file', async () => {
    const cache = new FileHandleCache()
    await writeFile(join(dir(), 'short'), 'abc')
    await expect(cache.read(join(dir(), 'short'), 0, 10)).rejects.toThrow(/shorter than expected/)
    await cache.closeAll()
  })
})
