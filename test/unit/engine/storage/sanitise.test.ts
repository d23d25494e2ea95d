import fc from 'fast-check'
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, sep } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { UnsafePathError } from '../../../../shared/errors.js'
import { checkManifestPaths, isInside, MAX_SEGMENT_BYTES, prepareTarget, sanitiseSegment } from '../../../../src-main/engine/storage/sanitise.js'

describe('sanitiseSegment', () => {
  it.each(['', '.', '..', '...', ' ', '. .'])('rejects %j, which names the folder itself or its parent', raw => {
    expect(() => sanitiseSegment(raw)).toThrow(UnsafePathError)
  })

  it.each([
    ['a/b', 'a_b'],
    ['..\\..\\x', '.._.._x'],
    ['C:', 'C_'],
    ['C:\\Windows', 'C__Windows'],
    ['/etc/passwd', '_etc_passwd'],
    ['con', '_con'],
    ['CON.txt', '_CON.txt'],
    ['lpt9.log', '_lpt9.log'],
    ['nul ', '_nul'],
    ['trailing dots...', 'trailing dots'],
    ['tab\there', 'tab_here'],
    ['new\nline', 'new_line'],
    ['what?*<>|"', 'what______'],
    ['evil\u202Etxt.exe', 'evil_txt.exe'],
    ['<img src=x onerror=alert(1)>', '_img src=x onerror=alert(1)_'],
    ['console.log', 'console.log'],
    ['서울.jpg', '서울.jpg']
  ])('rewrites %j to the portable %j', (raw, clean) => {
    expect(sanitiseSegment(raw)).toBe(clean)
  })

  it('cuts over-long names to 250 bytes, keeping the extension', () => {
    const out = sanitiseSegment(`${'가'.repeat(200)}.tar.gz`)
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(MAX_SEGMENT_BYTES)
    expect(out.endsWith('.gz')).toBe(true)
  })

  it('never yields a separator, a parent reference or an over-long name, for any input', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), raw => {
      let out: string
      try {
        out = sanitiseSegment(raw)
      } catch (err) {
        expect(err).toBeInstanceOf(UnsafePathError)
        return
      }
      // eslint-disable-next-line no-control-regex
      expect(out).not.toMatch(/[/\\:\u0000-\u001f]/)
      expect(out).not.toBe('..')
      expect(out).not.toBe('.')
      expect(out).not.toBe('')
      expect(Buffer.byteLength(out)).toBeLessThanOrEqual(MAX_SEGMENT_BYTES)
      expect(sanitiseSegment(out)).toBe(out)
    }), { numRuns: 5000 })
  })
})

describe('checkManifestPaths', () => {
  it('refuses the same path twice, also when only case differs', () => {
    expect(() => checkManifestPaths([['a', 'b'], ['A', 'B']])).toThrow(/twice/)
  })

  it('refuses a file that is also used as a folder', () => {
    expect(() => checkManifestPaths([['a'], ['a', 'b']])).toThrow(/as a folder|twice/)
    expect(() => checkManifestPaths([['a', 'b'], ['a']])).toThrow(/twice/)
  })

  it('refuses names that collide after sanitising', () => {
    expect(() => checkManifestPaths([['a:b'], ['a_b']])).toThrow(/twice/)
  })
})

describe('prepareTarget', () => {
  let root: string
  let outside: string
  beforeEach(async () => {
    const base = await mkdtemp(join(tmpdir(), 'sanitise-'))
    root = join(base, 'root')
    outside = join(base, 'outside')
    await mkdir(root)
    await mkdir(outside)
  })
  afterEach(async () => { await rm(join(root, '..'), { recursive: true, force: true }) })

  it('keeps every hostile path inside the download folder', async () => {
    const hostile = [['..', 'x'], ['a', '..', '..', 'x'], ['/abs'], ['C:\\x'], ['a', '.', 'b'], ['\\\\server\\share']]
    for (const p of hostile) {
      const target = await prepareTarget(root, p).catch((err: unknown) => err)
      if (target instanceof Error) {
        expect(target).toBeInstanceOf(UnsafePathError)
      } else {
        expect(isInside(root, target as string)).toBe(true)
      }
    }
  })

  it('refuses to write through a symlinked folder that leads outside', async () => {
    await symlink(outside, join(root, 'link'))
    await expect(prepareTarget(root, ['link', 'x'])).rejects.toThrow(/not a plain folder/)
  })

  it('refuses to write over a symlink', async () => {
    await symlink(join(outside, 'victim'), join(root, 'file'))
    await expect(prepareTarget(root, ['file'])).rejects.toThrow(/symlink/)
  })

  it('creates nested folders for a safe path', async () => {
    expect(await prepareTarget(root, ['a', 'b', 'c.txt'])).toBe([root, 'a', 'b', 'c.txt'].join(sep))
  })
})
