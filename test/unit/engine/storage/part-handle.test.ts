import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HandleClosedError, PartHandle } from '../../../../src-main/engine/storage/part-handle.js'
import { useScratch } from '../../../helpers/cli.js'

describe('PartHandle: no call ever runs on a closed descriptor', () => {
  const { dir } = useScratch('part-handle-')

  // Both sizes: small files use synchronous calls, large ones the thread pool.
  for (const size of [64 * 1024, 8 * 1024 * 1024]) {
    it(`${size} B: close waits for the calls in flight, and a call after close is refused (the soak's EBADF on a checkpoint sync)`, async () => {
      const path = join(dir(), 'f.part')
      const data = randomBytes(size)
      await writeFile(path, data)
      const h = await PartHandle.open(path, 'r+', size)
      const buf = Buffer.alloc(4096)
      // A read and a sync in flight when the file is finished under them.
      const read = h.read(buf, 0, buf.byteLength, size - 4096)
      const synced = h.datasync()
      const closed = h.close()
      // The checkpoint's sync arrives after the close began: it must not reach the (possibly reused) descriptor.
      await expect(h.datasync()).rejects.toBeInstanceOf(HandleClosedError)
      await expect(h.writev([Buffer.from('x')], 0)).rejects.toBeInstanceOf(HandleClosedError)
      expect(await read).toBe(4096)
      expect(Buffer.compare(buf, data.subarray(size - 4096))).toBe(0)
      await synced
      await closed
      expect(h.closed).toBe(true)
      // Closing twice is fine.
      await h.close()
    })
  }
})
