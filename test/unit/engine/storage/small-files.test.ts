import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ShareChangedError } from '../../../../shared/errors.js'
import type { Manifest } from '../../../../shared/manifest.js'
import { hashFilePieces, hashSmallFile } from '../../../../src-main/engine/content/hasher.js'
import { SMALL_FILE_BYTES } from '../../../../src-main/engine/storage/small-files.js'
import { pieceLayout } from '../../../../src-main/engine/storage/piece-layout.js'
import { SharedFileReader } from '../../../../src-main/engine/content/shared-file-reader.js'
import { ShareRecords } from '../../../../src-main/engine/persistence/share-records.js'
import { FileHandleCache } from '../../../../src-main/engine/storage/file-cache.js'
import { stampOf } from '../../../../src-main/engine/storage/file-stamp.js'
import { PartFiles } from '../../../../src-main/engine/storage/part-files.js'
import { syncFileSystem, SYNCFS_MIN_FILES } from '../../../../src-main/engine/storage/sync-fs.js'
import { StateFiles } from '../../../../src-main/engine/persistence/json-file.js'
import { useScratch } from '../../../helpers/cli.js'

/** The synchronous paths for small files (hashing, serving, writing) keep every check the async ones make. */
describe('small files', () => {
  const { dir } = useScratch('small-')

  it('hashes a small file to the same pieces as the streaming hasher, and reports the stat after', async () => {
    const file = join(dir(), 'a.bin')
    const bytes = randomBytes(100_000)
    await writeFile(file, bytes)
    const { hashes, after } = hashSmallFile(file, bytes.length, 16384)
    expect(Buffer.from(hashes).equals(Buffer.from(await hashFilePieces(file, bytes.length, 16384)))).toBe(true)
    expect(after?.ino).toBe((await stat(file)).ino)
    expect(() => hashSmallFile(file, SMALL_FILE_BYTES + 1, 16384)).toThrow(RangeError)
  })

  it('shares a folder of small files without a hash-cache entry each, and the same CID again', async () => {
    await mkdir(join(dir(), 'photos'))
    for (let i = 0; i < 40; i++) await writeFile(join(dir(), 'photos', `p${i}.jpg`), randomBytes(5000 + i))
    const store = new ShareRecords(new StateFiles(join(dir(), 'data')))
    await store.load()
    const first = await store.add([join(dir(), 'photos')])
    expect(first.hashedBytes).toBe(40 * 5000 + (39 * 40) / 2)
    expect(await readdir(join(dir(), 'data', 'hash-cache'))).toEqual([])
    const again = await store.add([join(dir(), 'photos')])
    expect(again.share.cid).toBe(first.share.cid)
  })

  describe('served', () => {
    let file: string
    let original: Buffer
    let reader: SharedFileReader
    let handles: FileHandleCache
    beforeEach(async () => {
      file = join(dir(), 'shared.bin')
      original = randomBytes(64 * 1024)
      await writeFile(file, original)
      handles = new FileHandleCache()
      reader = new SharedFileReader(handles, Date.now, undefined, undefined, SMALL_FILE_BYTES)
    })
    afterEach(async () => { await handles.closeAll() })

    it('serves the bytes of the file that was hashed, keeping no handle open', async () => {
      const stamp = stampOf(await stat(file))
      expect((await reader.read(file, stamp, 1000, 5000)).equals(original.subarray(1000, 6000))).toBe(true)
      expect(handles.size).toBe(0)
    })

    it('refuses a touched, a replaced, a resized and a deleted file', async () => {
      const t = Math.floor(Date.now() / 1000) - 60
      await utimes(file, t, t)
      const stamp = stampOf(await stat(file))
      const refused = async (): Promise<string> => await reader.read(file, stamp, 0, 100).then(() => 'served', (e: unknown) => e instanceof ShareChangedError ? e.kind : String(e))
      await utimes(file, t + 5, t + 5)
      expect(await refused()).toBe('modified')
      const other = join(dir(), 'other.bin')
      await writeFile(other, randomBytes(original.byteLength))
      await utimes(other, t, t)
      await rename(other, file)
      expect(await refused()).toBe('replaced')
      await rm(file)
      expect(await refused()).toBe('gone')
      await writeFile(file, original.subarray(0, 100))
      expect(await refused()).not.toBe('served')
    })
  })

  it(`downloads a folder of more than ${SYNCFS_MIN_FILES} files, flushed as one batch, every file whole and renamed`, async () => {
    const PIECE = 16384
    const contents = Array.from({ length: SYNCFS_MIN_FILES + 9 }, (_, i) => randomBytes(3000 + i * 10))
    const manifest: Manifest = {
      v: 1,
      name: 'set',
      pieceSize: PIECE,
      files: contents.map((c, i) => ({ path: ['set', `f${i}.bin`], size: c.length })),
      pieces: Buffer.concat(contents.map(c => createHash('sha256').update(c).digest()))
    }
    const layout = pieceLayout(manifest)
    const out = join(dir(), 'out')
    await mkdir(out)
    const files = await PartFiles.open(out, manifest, layout)
    for (let i = 0; i < contents.length; i++) await files.writePiece(i, [contents[i]!])
    await Promise.all(contents.map(async (_, i) => { await files.finishFile(i) }).concat([files.flushFinished()]))
    for (let i = 0; i < contents.length; i++) expect((await readFile(join(out, 'set', `f${i}.bin`))).equals(contents[i]!)).toBe(true)
    expect((await readdir(join(out, 'set'))).filter(n => n.endsWith('.part'))).toEqual([])
  })

  it('flushes a file system with one call on Linux', async () => {
    expect(await syncFileSystem(dir())).toBe(process.platform === 'linux')
  })
})
