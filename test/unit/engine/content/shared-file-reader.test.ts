import type { Stats } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { mkdtemp, open, rename, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ShareChangedError } from '../../../../shared/errors.js'
import { CHECK_EVERY_MS, SharedFileReader } from '../../../../src-main/engine/content/shared-file-reader.js'
import { FileHandleCache } from '../../../../src-main/engine/storage/file-cache.js'
import { compareStamp, stampOf, type FileStamp } from '../../../../src-main/engine/storage/file-stamp.js'

describe('the changed-file check (real files on disk)', () => {
  let dir: string
  let file: string
  let original: Buffer
  let stamp: FileStamp
  let handles: FileHandleCache
  let clock: number
  let stats: number
  let reader: SharedFileReader

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'changed-'))
    file = join(dir, 'shared.bin')
    original = randomBytes(64 * 1024)
    await writeFile(file, original)
    stamp = stampOf(await stat(file))
    handles = new FileHandleCache()
    clock = 1_000_000
    stats = 0
    reader = new SharedFileReader(handles, () => clock, async p => { stats++; return await stat(p) })
  })
  afterEach(async () => {
    await handles.closeAll()
    await rm(dir, { recursive: true, force: true })
  })

  const later = (): void => { clock += CHECK_EVERY_MS + 1 }

  it('passes the file that was hashed, and serves its bytes', async () => {
    expect(await reader.check(file, stamp)).toBeNull()
    expect((await reader.read(file, stamp, 1000, 5000)).equals(original.subarray(1000, 6000))).toBe(true)
  })

  it('calls a touched file changed (same inode and size, new mtime)', async () => {
    const st = await stat(file)
    await utimes(file, st.atime, new Date(st.mtimeMs + 5_000))
    expect(await reader.check(file, stamp)).toMatchObject({ kind: 'modified' })
    await expect(reader.read(file, stamp, 0, 100)).rejects.toBeInstanceOf(ShareChangedError)
  })

  it('calls a file replaced by another of the same size and mtime changed (new inode)', async () => {
    // Whole seconds, so both files carry exactly the same mtime (cp -p and rsync -t do this).
    const t = Math.floor(Date.now() / 1000) - 60
    await utimes(file, t, t)
    stamp = stampOf(await stat(file))
    const other = join(dir, 'other.bin')
    await writeFile(other, randomBytes(original.byteLength))
    await utimes(other, t, t)
    await rename(other, file)
    const now = await stat(file)
    expect(now.size).toBe(stamp.size)
    expect(now.mtimeMs).toBe(stamp.mtimeMs)
    expect(now.ino).not.toBe(stamp.ino)
    expect(await reader.check(file, stamp)).toMatchObject({ kind: 'replaced' })
  })

  it('calls a deleted file changed', async () => {
    await unlink(file)
    expect(await reader.check(file, stamp)).toMatchObject({ kind: 'gone' })
    const err = await reader.read(file, stamp, 0, 100).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ShareChangedError)
    expect((err as ShareChangedError).file).toBe(file)
    expect((err as ShareChangedError).kind).toBe('gone')
  })

  it('calls a file of another size changed', async () => {
    await writeFile(file, original.subarray(0, 1000), { flag: 'a' })
    expect(await reader.check(file, stamp)).toMatchObject({ kind: 'resized' })
  })

  it('looks at the disk at most once per file in its window, then again', async () => {
    for (let i = 0; i < 50; i++) await reader.read(file, stamp, i * 1000, 1000)
    expect(stats).toBe(1)
    later()
    await reader.read(file, stamp, 0, 1000)
    expect(stats).toBe(2)
  })

  it('refuses bytes of a file rewritten in place after the check, inside the window', async () => {
    expect(await reader.check(file, stamp)).toBeNull()
    // Same inode, same size: only the open file's own stat, taken after the read, can tell.
    const fh = await open(file, 'r+')
    await fh.write(randomBytes(original.byteLength), 0, original.byteLength, 0)
    await fh.close()
    await expect(reader.read(file, stamp, 0, 4096)).rejects.toBeInstanceOf(ShareChangedError)
  })

  it('refuses a file truncated under it (a short read is a change, not an I/O error)', async () => {
    expect(await reader.check(file, stamp)).toBeNull()
    await writeFile(file, '')
    await expect(reader.read(file, stamp, 8192, 4096)).rejects.toMatchObject({ kind: 'resized' })
  })

  it('serves a replaced file\'s old bytes only from the handle opened on it, and nothing once it looks again', async () => {
    // A handle opened on the hashed file still reads the hashed bytes after a replacement: those are fine to serve.
    await reader.read(file, stamp, 0, 1000)
    const other = join(dir, 'other.bin')
    await writeFile(other, randomBytes(original.byteLength))
    await rename(other, file)
    expect((await reader.read(file, stamp, 0, 1000)).equals(original.subarray(0, 1000))).toBe(true)
    later()
    await expect(reader.read(file, stamp, 0, 1000)).rejects.toMatchObject({ kind: 'replaced' })
    // …and the stale handle is gone: a file shared again at that path is read from the new file.
    const fresh = stampOf(await stat(file))
    expect((await reader.read(file, fresh, 0, 1000)).equals(original.subarray(0, 1000))).toBe(false)
  })

  it('checks a record from before inodes by size and mtime', () => {
    const legacy: FileStamp = { size: 10, mtimeMs: 5 }
    const st = (over: Partial<Stats>): Stats => ({ size: 10, mtimeMs: 5, ino: 99, dev: 1, isFile: () => true, ...over }) as unknown as Stats
    expect(compareStamp(legacy, st({}))).toBeNull()
    expect(compareStamp(legacy, st({ mtimeMs: 6 }))?.kind).toBe('modified')
    expect(compareStamp(legacy, st({ size: 11 }))?.kind).toBe('resized')
    // A device number alone (renumbered at boot) does not make another file.
    expect(compareStamp({ size: 10, mtimeMs: 5, ino: 99, dev: 2 }, st({}))).toBeNull()
    expect(compareStamp({ size: 10 }, st({ mtimeMs: 1234 }))).toBeNull()
  })
})
