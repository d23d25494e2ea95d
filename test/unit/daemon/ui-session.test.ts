import { readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { uiSessionFile } from '../../../src-main/daemon/ui-session.js'
import { StateFiles } from '../../../src-main/engine/persistence/json-file.js'
import { tempDir } from '../../helpers/cli.js'

describe('the web UI session kept between runs', () => {
  it('comes back as saved, readable by its owner only', async () => {
    const dir = await tempDir('swarmdrop-ui-session-')
    try {
      const file = uiSessionFile(new StateFiles(dir.path))
      expect(await file.load()).toBeNull()
      const session = { port: 41234, token: 'a'.repeat(32) }
      await file.save(session)
      expect(await uiSessionFile(new StateFiles(dir.path)).load()).toEqual(session)
      expect((await stat(join(dir.path, 'ui.json'))).mode & 0o777).toBe(0o600)
    } finally { await dir.cleanup() }
  })

  it('a damaged file gives a new address instead of a crash, and is moved aside and reported', async () => {
    const dir = await tempDir('swarmdrop-ui-session-')
    try {
      const state = new StateFiles(dir.path)
      await writeFile(join(dir.path, 'ui.json'), '{"port": "x"')
      expect(await uiSessionFile(state).load()).toBeNull()
      await writeFile(join(dir.path, 'ui.json'), JSON.stringify({ port: 0, token: 'short' }))
      expect(await uiSessionFile(state).load()).toBeNull()
      expect(state.damaged().map(d => d.file)).toEqual(['ui.json', 'ui.json'])
      expect((await readdir(dir.path)).filter(n => n.startsWith('ui.json.corrupt-'))).toHaveLength(2)
    } finally { await dir.cleanup() }
  })
})
