import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Bitfield } from '../../../../shared/bitfield.js'
import type { Manifest } from '../../../../shared/manifest.js'
import { pieceLayout } from '../../../../src-main/engine/content/layout.js'
import { PartFiles } from '../../../../src-main/engine/storage/part-files.js'

const PIECE = 16384

function manifestFor (data: Buffer): Manifest {
  const hashes: Buffer[] = []
  for (let o = 0; o < data.byteLength; o += PIECE) hashes.push(createHash('sha256').update(data.subarray(o, o + PIECE)).digest())
  return { v: 1, name: 'f.bin', pieceSize: PIECE, files: [{ path: ['f.bin'], size: data.byteLength }], pieces: Buffer.concat(hashes) }
}

describe('PartFiles', () => {
  let dir: string
  const data = randomBytes(PIECE * 4 + 100)
  const manifest = manifestFor(data)
  const layout = pieceLayout(manifest)
  const piece = (i: number): Buffer => data.subarray(i * PIECE, Math.min((i + 1) * PIECE, data.byteLength))

  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'part-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('writes pieces in place in a .part file and renames it only when finished', async () => {
    const files = await PartFiles.open(dir, manifest, layout)
    for (const i of [4, 0, 2, 1, 3]) await files.writePiece(i, [piece(i)])
    expect(await stat(join(dir, 'f.bin')).catch(() => null)).toBeNull()
    await files.finishFile(0)
    expect(Buffer.compare(await readFile(join(dir, 'f.bin')), data)).toBe(0)
    expect(await stat(join(dir, 'f.bin.part')).catch(() => null)).toBeNull()
  })

  it('after a crash, re-hashes what the saved bitfield does not list, and drops torn pieces', async () => {
    let files = await PartFiles.open(dir, manifest, layout)
    await files.writePiece(0, [piece(0)])
    await files.writePiece(1, [piece(1)])
    // Piece 3 was being written when the process died: half of it made it.
    await files.writePiece(3, [piece(3).subarray(0, PIECE / 2)])
    await files.close()
    const saved = new Bitfield(layout.count)
    saved.set(0)
    files = await PartFiles.open(dir, manifest, layout)
    const have = await files.scan(saved, false)
    expect([0, 1, 2, 3, 4].map(i => have.get(i))).toEqual([true, true, false, false, false])
    await files.close()
  })

  it('after a clean stop, trusts the saved bitfield without reading the data', async () => {
    const files = await PartFiles.open(dir, manifest, layout)
    await files.writePiece(0, [piece(0)])
    await files.writePiece(1, [piece(1)])
    await files.close()
    const saved = new Bitfield(layout.count)
    saved.set(0)
    const have = await (await PartFiles.open(dir, manifest, layout)).scan(saved, true)
    expect(have.count()).toBe(1)
  })

  it('refuses an unrelated file at the target and accepts an identical one', async () => {
    await writeFile(join(dir, 'f.bin'), 'someone else')
    await expect((await PartFiles.open(dir, manifest, layout)).scan(null, false)).rejects.toThrow(/already exists/)
    await writeFile(join(dir, 'f.bin'), data)
    const have = await (await PartFiles.open(dir, manifest, layout)).scan(null, false)
    expect(have.isComplete()).toBe(true)
  })
})
