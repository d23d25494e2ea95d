import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { compareStamp } from '../../../../src-main/engine/storage/file-stamp.js'
import { ShareRecords } from '../../../../src-main/engine/persistence/share-records.js'
import { StateFiles } from '../../../../src-main/engine/persistence/json-file.js'

describe('ShareRecords: what a share hashed, and when it changed', () => {
  let dir: string
  let data: string
  let file: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'share-store-'))
    data = join(dir, 'data')
    file = join(dir, 'a.bin')
    await writeFile(file, randomBytes(300_000))
  })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('records each file\'s size, mtime and inode, and keeps a change across a restart', async () => {
    const store = new ShareRecords(new StateFiles(data))
    await store.load()
    const { share } = await store.add([file])
    const st = await stat(file)
    expect(share.stamps).toEqual([{ size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, dev: st.dev }])
    expect(share.changed).toBeNull()
    await store.markChanged(share.cid, { file, kind: 'gone', reason: 'the file was deleted or moved', at: 5 })
    // The first change is the one kept.
    await store.markChanged(share.cid, { file, kind: 'modified', reason: 'it was modified', at: 6 })

    const again = new ShareRecords(new StateFiles(data))
    await again.load()
    expect(again.get(share.cid)!.changed).toEqual({ file, kind: 'gone', reason: 'the file was deleted or moved', at: 5 })
    expect(again.get(share.cid)!.stamps).toEqual(share.stamps)
  })

  it('loads a record written before stamps, and checks it by size and the hash cache\'s mtime', async () => {
    const store = new ShareRecords(new StateFiles(data))
    await store.load()
    const { share } = await store.add([file])
    const path = join(data, 'shares', `${share.cid}.json`)
    const rec = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>
    delete rec.stamps
    delete rec.changed
    await writeFile(path, JSON.stringify(rec))

    const old = new ShareRecords(new StateFiles(data))
    await old.load()
    const loaded = old.get(share.cid)!
    expect(loaded.changed).toBeNull()
    expect(loaded.stamps).toEqual([{ size: 300_000, mtimeMs: (await stat(file)).mtimeMs }])
    expect(compareStamp(loaded.stamps[0]!, await stat(file))).toBeNull()
    const st = await stat(file)
    await utimes(file, st.atime, new Date(st.mtimeMs + 10_000))
    expect(compareStamp(loaded.stamps[0]!, await stat(file))?.kind).toBe('modified')
  })

  it('does not take an old record\'s mtime from a hash-cache entry for other contents at that path', async () => {
    const store = new ShareRecords(new StateFiles(data))
    await store.load()
    const { share } = await store.add([file])
    const path = join(data, 'shares', `${share.cid}.json`)
    const rec = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>
    delete rec.stamps
    await writeFile(path, JSON.stringify(rec))
    // The file changes (same size) and is shared again: the cache entry now describes the new contents.
    await writeFile(file, randomBytes(300_000))
    await store.add([file])

    const old = new ShareRecords(new StateFiles(data))
    await old.load()
    expect(old.get(share.cid)!.stamps).toEqual([{ size: 300_000 }])
  })

  it('hashes a changed share again with its name and layout, and a mere touch keeps its CID', async () => {
    const store = new ShareRecords(new StateFiles(data))
    await store.load()
    const { share } = await store.add([file])
    await store.markChanged(share.cid, { file, kind: 'modified', reason: 'it was modified', at: 1 })
    const st = await stat(file)
    await utimes(file, st.atime, new Date(st.mtimeMs + 10_000))
    const touched = await store.rehash(share.cid)
    expect(touched.share.cid).toBe(share.cid)
    expect(touched.hashedBytes).toBe(300_000)
    expect(store.get(share.cid)!.changed).toBeNull()

    await writeFile(file, randomBytes(200_000))
    const rewritten = await store.rehash(share.cid)
    expect(rewritten.share.cid).not.toBe(share.cid)
    expect(rewritten.share.manifest.name).toBe('a.bin')
    expect(rewritten.share.manifest.files).toEqual([{ path: ['a.bin'], size: 200_000 }])
    expect(rewritten.share.stamps[0]!.ino).toBe((await stat(file)).ino)
  })

  it('does not reuse cached hashes for another file put in place with the same size and mtime', async () => {
    const store = new ShareRecords(new StateFiles(data))
    await store.load()
    const t = Math.floor(Date.now() / 1000) - 60
    await utimes(file, t, t)
    const first = await store.add([file])
    const other = join(dir, 'other.bin')
    await writeFile(other, randomBytes(300_000))
    await utimes(other, t, t)
    await rename(other, file)
    const second = await store.add([file])
    expect(second.reusedBytes).toBe(0)
    expect(second.share.cid).not.toBe(first.share.cid)
  })

  it('says which file is gone when a share cannot be hashed again', async () => {
    const store = new ShareRecords(new StateFiles(data))
    await store.load()
    const { share } = await store.add([file])
    await rm(file)
    await expect(store.rehash(share.cid)).rejects.toMatchObject({ code: 'PATH_NOT_FOUND' })
  })
})
