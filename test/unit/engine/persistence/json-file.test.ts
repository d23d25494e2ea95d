import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as z from 'zod'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DamagedFile } from '../../../../shared/api.js'
import { StateFiles } from '../../../../src-main/engine/persistence/json-file.js'
import { tempDir } from '../../../helpers/cli.js'

const schema = z.object({ n: z.number(), names: z.array(z.string()) })

describe('JsonFile: one way to keep a state file', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  let state: StateFiles
  let heard: DamagedFile[]
  beforeEach(async () => {
    dir = await tempDir('swarmdrop-json-file-')
    state = new StateFiles(dir.path)
    heard = []
    state.onDamaged(d => heard.push(d))
  })
  afterEach(async () => { await dir.cleanup() })
  const file = () => state.file('thing.json', schema, () => ({ n: 0, names: [] }))

  it('a missing file gives the default and reports nothing', async () => {
    expect(await file().load()).toEqual({ n: 0, names: [] })
    expect(heard).toEqual([])
  })

  it('what was saved comes back, written whole (no temp file left)', async () => {
    await file().save({ n: 3, names: ['a'] })
    expect(await file().load()).toEqual({ n: 3, names: ['a'] })
    expect(await readdir(dir.path)).toEqual(['thing.json'])
  })

  it('a file that is not JSON is moved aside, reported and never overwritten; the default is used', async () => {
    await writeFile(join(dir.path, 'thing.json'), '{"n": 1, "names": [')
    expect(await file().load()).toEqual({ n: 0, names: [] })
    const aside = (await readdir(dir.path)).filter(n => n.startsWith('thing.json.corrupt-'))
    expect(aside).toHaveLength(1)
    expect(await readFile(join(dir.path, aside[0]!), 'utf8')).toBe('{"n": 1, "names": [')
    expect(heard).toEqual([expect.objectContaining({ file: 'thing.json', movedTo: aside[0], reason: expect.stringMatching(/not valid JSON/) })])
    expect(state.damaged()).toEqual(heard)
    // The next save writes a fresh file; the damaged copy stays for the user.
    await file().save({ n: 2, names: [] })
    expect((await readdir(dir.path)).sort()).toEqual(['thing.json', aside[0]!].sort())
  })

  it('JSON of the wrong shape is damage too, and the reason names the field', async () => {
    await writeFile(join(dir.path, 'thing.json'), JSON.stringify({ n: 'seven', names: [] }))
    expect(await file().load()).toEqual({ n: 0, names: [] })
    expect(heard[0]!.reason).toMatch(/n: /)
  })

  it('saves land in the order asked: the last one wins', async () => {
    const f = file()
    await Promise.all(Array.from({ length: 20 }, async (_, i) => { await f.save({ n: i, names: [] }) }))
    expect(await file().load()).toEqual({ n: 19, names: [] })
  })

  it('a failed save rejects its caller, and the next save works (the queue recovers)', async () => {
    const f = file()
    // A folder where the file should be: the rename over it fails.
    await mkdir(join(dir.path, 'thing.json', 'inside'), { recursive: true })
    await expect(f.save({ n: 1, names: [] })).rejects.toThrow()
    await rm(join(dir.path, 'thing.json'), { recursive: true })
    await f.save({ n: 2, names: [] })
    expect(await file().load()).toEqual({ n: 2, names: [] })
  })

  it('remove deletes the file, is fine when it is already gone, and throws when it cannot delete', async () => {
    const f = file()
    await f.save({ n: 1, names: [] })
    await f.remove()
    expect(await readdir(dir.path)).toEqual([])
    await f.remove()
    await mkdir(join(dir.path, 'thing.json', 'inside'), { recursive: true })
    await expect(f.remove()).rejects.toThrow()
  })
})
