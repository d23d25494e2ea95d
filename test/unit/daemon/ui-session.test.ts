import { stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadUiSession, saveUiSession } from '../../../src-main/daemon/ui-session.js'
import { tempDir } from '../../helpers/cli.js'

describe('the web UI session kept between runs', () => {
  it('comes back as saved, readable by its owner only', async () => {
    const dir = await tempDir('swarmdrop-ui-session-')
    try {
      expect(await loadUiSession(dir.path)).toBeNull()
      const session = { port: 41234, token: 'a'.repeat(32) }
      await saveUiSession(dir.path, session)
      expect(await loadUiSession(dir.path)).toEqual(session)
      expect((await stat(join(dir.path, 'ui.json'))).mode & 0o777).toBe(0o600)
    } finally { await dir.cleanup() }
  })

  it('a damaged file gives a new address instead of a crash', async () => {
    const dir = await tempDir('swarmdrop-ui-session-')
    try {
      await writeFile(join(dir.path, 'ui.json'), '{"port": "x"')
      expect(await loadUiSession(dir.path)).toBeNull()
      await writeFile(join(dir.path, 'ui.json'), JSON.stringify({ port: 0, token: 'short' }))
      expect(await loadUiSession(dir.path)).toBeNull()
    } finally { await dir.cleanup() }
  })
})
