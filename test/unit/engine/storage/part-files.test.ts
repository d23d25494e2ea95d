import { createHash, randomBytes } from 'node:crypto'
import { readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Bitfield } from '../../../../shared/bitfield.js'
import type { Manifest } from '../../../../shared/manifest.js'
import { pieceLayout } from '../../../../src-main/engine/storage/piece-layout.js'
import { PartFiles } from '../../../../src-main/engine/storage/part-files.js'
import { useScratch } from '../../../helpers/cli.js'

const PIECE = 16384

function manifestFor (data: Buffer): Manifest {
  const hashes: Buffer[] = []
  for (let o = 0; o < data.byteLength; o += PIECE) hashes.push(createHash('sha256').update(data.subarray(o, o + PIECE)).digest())
  return { v: 1, name: 'f.bin', pieceSize: PIECE, files: [{ path: ['f.bin'], size: data.byteLength }], pieces: Buffer.concat(hashes) }
}

describe('PartFiles', () => {
  const data = randomBytes(PIECE * 4 + 100)
  const manifest = manifestFor(data)
  const layout = pieceLayout(manifest)
  const piece = (i: number): Buffer => data.subarray(i * PIECE, Math.min((i + 1) * PIECE, data.byteLength))

  const { dir } = useScratch('part-')

  it('writes pieces in place in a .part file and renames it only when finished', async () => {
    const files = await PartFiles.open(dir(), manifest, layout)
    for (const i of [4, 0, 2, 1, 3]) await files.writePiece(i, [piece(i)])
    expect(await stat(join(dir(), 'f.bin')).catch(() => null)).toBeNull()
    await files.finishFile(0)
    expect(Buffer.compare(await readFile(join(dir(), 'f.bin')), data)).toBe(0)
    expect(await stat(join(dir(), 'f.bin.part')).catch(() => null)).toBeNull()
  })

  it('after a crash, re-hashes what the saved bitfield does not list, and drops torn pieces', async () => {
    let files = await PartFiles.open(dir(), manifest, layout)
    await files.writePiece(0, [piece(0)])
    await files.writePiece(1, [piece(1)])
    // Piece 3 was being written when the process died: half of it made it.
    await files.writePiece(3, [piece(3).subarray(0, PIECE / 2)])
    await files.close()
    const saved = new Bitfield(layout.count)
    saved.set(0)
    files = await PartFiles.open(dir(), manifest, layout)
    const have = await files.scan({ bitfield: saved, clean: false, files: await files.identities() })
    expect([0, 1, 2, 3, 4].map(i => have.get(i))).toEqual([true, true, false, false, false])
    await files.close()
  })

  it('after a clean stop, trusts the saved bitfield without reading the data', async () => {
    const files = await PartFiles.open(dir(), manifest, layout)
    await files.writePiece(0, [piece(0)])
    await files.writePiece(1, [piece(1)])
    await files.close()
    const saved = new Bitfield(layout.count)
    saved.set(0)
    const have = await (await PartFiles.open(dir(), manifest, layout)).scan({ bitfield: saved, clean: true, files: await files.identities() })
    expect(have.count()).toBe(1)
  })

  it('never overwrites an unrelated file at the target: the download goes to "f (1).bin"; an identical one counts as done', async () => {
    await writeFile(join(dir(), 'f.bin'), 'someone else')
    const files = await PartFiles.open(dir(), manifest, layout)
    const have = await files.scan(null)
    expect(have.count()).toBe(0)
    expect(files.targets[0]).toBe(join(dir(), 'f (1).bin'))
    expect(files.relativeTargets()).toEqual(['f (1).bin'])
    for (let i = 0; i < layout.count; i++) await files.writePiece(i, [piece(i)])
    await files.finishFile(0)
    expect(await readFile(join(dir(), 'f.bin'), 'utf8')).toBe('someone else')
    expect(Buffer.compare(await readFile(join(dir(), 'f (1).bin')), data)).toBe(0)
    // A resume reuses the name chosen before, and finds it done.
    const again = await PartFiles.open(dir(), manifest, layout, files.relativeTargets())
    expect((await again.scan(null)).isComplete()).toBe(true)
    await writeFile(join(dir(), 'f.bin'), data)
    expect((await (await PartFiles.open(dir(), manifest, layout)).scan(null)).isComplete()).toBe(true)
  })

  it('takes the next free name, and a file that appears at the target while downloading is not overwritten either', async () => {
    await writeFile(join(dir(), 'f.bin'), 'one')
    await writeFile(join(dir(), 'f (1).bin'), 'two')
    const files = await PartFiles.open(dir(), manifest, layout)
    await files.scan(null)
    expect(files.targets[0]).toBe(join(dir(), 'f (2).bin'))
    for (let i = 0; i < layout.count; i++) await files.writePiece(i, [piece(i)])
    await writeFile(join(dir(), 'f (2).bin'), 'three')
    await files.finishFile(0)
    expect(files.targets[0]).toBe(join(dir(), 'f (3).bin'))
    expect(await readFile(join(dir(), 'f (2).bin'), 'utf8')).toBe('three')
    expect(Buffer.compare(await readFile(join(dir(), 'f (3).bin')), data)).toBe(0)
  })

  it('puts a folder share in "name (1)" when a file holds the folder\'s name', async () => {
    const m: Manifest = { ...manifest, name: 'album', files: [{ path: ['album', 'a.bin'], size: data.byteLength }] }
    await writeFile(join(dir(), 'album'), 'a file, not a folder')
    const files = await PartFiles.open(dir(), m, pieceLayout(m))
    expect(files.relativeTargets()).toEqual(['album (1)/a.bin'])
  })

  describe('a saved bitfield vouches only for the file it was saved with', () => {
    const saveHalf = async (): Promise<{ saved: { bitfield: Bitfield, clean: boolean, files: Awaited<ReturnType<PartFiles['identities']>> } }> => {
      const files = await PartFiles.open(dir(), manifest, layout)
      for (const i of [0, 1, 2]) await files.writePiece(i, [piece(i)])
      await files.sync()
      const bitfield = new Bitfield(layout.count)
      for (const i of [0, 1, 2]) bitfield.set(i)
      const ids = await files.identities()
      await files.close()
      return { saved: { bitfield, clean: true, files: ids } }
    }

    it('a missing .part means those pieces are gone', async () => {
      const { saved } = await saveHalf()
      await rm(join(dir(), 'f.bin.part'))
      expect((await (await PartFiles.open(dir(), manifest, layout)).scan(saved)).count()).toBe(0)
    })

    it('a .part replaced by another file (new inode) is re-verified: random bytes count for nothing', async () => {
      const { saved } = await saveHalf()
      await writeFile(join(dir(), 'other'), randomBytes(data.byteLength))
      await rename(join(dir(), 'other'), join(dir(), 'f.bin.part'))
      expect((await (await PartFiles.open(dir(), manifest, layout)).scan(saved)).count()).toBe(0)
    })

    it('a .part overwritten in place (same inode) fails the check of its trusted pieces and is re-verified', async () => {
      const { saved } = await saveHalf()
      const junk = randomBytes(data.byteLength)
      piece(1).copy(junk, PIECE) // one real piece survives, and is found by re-hashing
      await writeFile(join(dir(), 'f.bin.part'), junk)
      const have = await (await PartFiles.open(dir(), manifest, layout)).scan(saved)
      expect([0, 1, 2, 3, 4].map(i => have.get(i))).toEqual([false, true, false, false, false])
    })

    it('a truncated .part keeps only the pieces still whole on disk', async () => {
      const { saved } = await saveHalf()
      await truncate(join(dir(), 'f.bin.part'), PIECE + 10)
      const have = await (await PartFiles.open(dir(), manifest, layout)).scan(saved)
      expect([0, 1, 2].map(i => have.get(i))).toEqual([true, false, false])
    })

    it('an untouched .part is trusted after a clean stop without reading it, and old state without identities trusts nothing', async () => {
      const { saved } = await saveHalf()
      expect((await (await PartFiles.open(dir(), manifest, layout)).scan(saved)).count()).toBe(3)
      // A record from before identities were kept: every piece is re-hashed, and the real ones still count.
      let hashed = 0
      const have = await (await PartFiles.open(dir(), manifest, layout)).scan({ bitfield: saved.bitfield, clean: true }, n => { hashed += n })
      expect(have.count()).toBe(3)
      expect(hashed).toBe(3 * PIECE)
    })

    it('a finished file that was replaced is re-hashed, not trusted', async () => {
      const files = await PartFiles.open(dir(), manifest, layout)
      for (let i = 0; i < layout.count; i++) await files.writePiece(i, [piece(i)])
      await files.finishFile(0)
      const ids = await files.identities()
      const junk = Buffer.from(data)
      junk[5] = junk[5]! ^ 0xff
      await writeFile(join(dir(), 'new'), junk)
      await rename(join(dir(), 'new'), join(dir(), 'f.bin'))
      const again = await PartFiles.open(dir(), manifest, layout)
      const have = await again.scan({ bitfield: Bitfield.full(layout.count), clean: true, files: ids })
      expect(have.count()).toBe(0)
      expect(again.targets[0]).toBe(join(dir(), 'f (1).bin'))
    })
  })
})
