import * as dagCbor from '@ipld/dag-cbor'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidManifestError, ManifestMismatchError, SwarmdropError, UnsafePathError } from '../../../../shared/errors.js'
import { choosePieceSize, MAX_PIECE_SIZE, type Manifest } from '../../../../shared/manifest.js'
import { pieceLayout } from '../../../../src-main/engine/storage/piece-layout.js'
import { cidOf, decodeManifest, encodeManifest } from '../../../../src-main/engine/content/manifest-codec.js'

function manifest (files: Array<[string[], number]>, pieceSize = 256 * 1024): Manifest {
  const count = files.reduce((n, [, s]) => n + Math.ceil(s / pieceSize), 0)
  return { v: 1, name: files[0]![0][0]!, pieceSize, files: files.map(([path, size]) => ({ path, size })), pieces: new Uint8Array(count * 32).fill(7) }
}

describe('manifest codec', () => {
  it('round-trips and names the bytes with a CID', () => {
    const m = manifest([[['dir', 'a.bin'], 600_000], [['dir', 'empty'], 0]])
    const { cid, bytes } = encodeManifest(m)
    expect(cid.toString()).toMatch(/^bafyrei/)
    expect(decodeManifest(bytes, cid)).toEqual(m)
  })

  it('checks the bytes against the CID before reading anything', () => {
    const a = encodeManifest(manifest([[['a'], 10]]))
    const b = encodeManifest(manifest([[['b'], 10]]))
    expect(() => decodeManifest(b.bytes, a.cid)).toThrow(ManifestMismatchError)
    const garbage = Uint8Array.of(1, 2, 3)
    expect(() => decodeManifest(garbage, a.cid)).toThrow(ManifestMismatchError)
  })

  it('rejects garbage that does hash to its CID', () => {
    const garbage = Uint8Array.of(0xff, 0x00, 0x13)
    expect(() => decodeManifest(garbage, cidOf(garbage))).toThrow(InvalidManifestError)
    const wrongShape = dagCbor.encode({ v: 2, hello: 'world' })
    expect(() => decodeManifest(wrongShape, cidOf(wrongShape))).toThrow(/malformed/)
  })

  it('rejects a manifest whose hash list does not match its pieces', () => {
    const m = manifest([[['a'], 1_000_000]])
    const bytes = dagCbor.encode({ ...m, pieces: m.pieces.subarray(32) })
    expect(() => decodeManifest(bytes, cidOf(bytes))).toThrow(/piece hashes/)
  })

  it('rejects a manifest whose path climbs out of the download folder', () => {
    const bytes = dagCbor.encode(manifest([[['..', 'etc', 'passwd'], 10]]))
    expect(() => decodeManifest(bytes, cidOf(bytes))).toThrow(UnsafePathError)
  })

  it('rejects piece sizes that are not a power of two or out of range', () => {
    for (const pieceSize of [1000, 8 * 1024, MAX_PIECE_SIZE * 2]) {
      const bytes = dagCbor.encode({ ...manifest([[['a'], 10]]), pieceSize })
      expect(() => decodeManifest(bytes, cidOf(bytes))).toThrow(InvalidManifestError)
    }
  })

  it('only ever throws its own errors on arbitrary dag-cbor', () => {
    fc.assert(fc.property(fc.anything({ maxDepth: 3 }), value => {
      let bytes: Uint8Array
      try { bytes = dagCbor.encode(value) } catch { return }
      try {
        decodeManifest(bytes, cidOf(bytes))
      } catch (err) {
        expect(err).toBeInstanceOf(SwarmdropError)
      }
    }), { numRuns: 1000 })
  })
})

describe('piece layout', () => {
  it('aligns pieces to files and makes the last piece of each file short', () => {
    const layout = pieceLayout({ pieceSize: 16384, files: [{ path: ['a'], size: 40_000 }, { path: ['b'], size: 0 }, { path: ['c'], size: 16384 }] })
    expect(layout.count).toBe(4)
    expect([...layout.fileOf]).toEqual([0, 0, 0, 2])
    expect([...layout.offsetOf]).toEqual([0, 16384, 32768, 0])
    expect([...layout.lengthOf]).toEqual([16384, 16384, 40_000 - 32768, 16384])
    expect([...layout.firstPiece]).toEqual([0, 3, 3, 4])
    expect(layout.totalSize).toBe(56_384)
  })

  it('chooses piece sizes from 256 KiB to 4 MiB, about a thousand pieces per share', () => {
    expect(choosePieceSize(0)).toBe(256 * 1024)
    expect(choosePieceSize(64 * 1024 * 1024)).toBe(256 * 1024)
    expect(choosePieceSize(1024 * 1024 * 1024)).toBe(1024 * 1024)
    expect(choosePieceSize(1024 ** 4)).toBe(MAX_PIECE_SIZE)
  })
})
