import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runInNewContext } from 'node:vm'
import { beforeAll, describe, expect, it } from 'vitest'
import { COMMAND_NAMES } from '../../../shared/api-names.js'
import { SHARE_DROPPED_CHANNEL } from '../../../src-main/electron/security.js'

/**
 * The built preload (dist/, made by `npm run build`) run as Electron would
 * run it, with Electron's three modules stood in by recorders: what it
 * exposes to the page, and what it sends to main for a dropped file.
 */
describe('the preload', () => {
  const invoked: Array<{ channel: string, arg: unknown }> = []
  let exposed: Record<string, unknown> = {}
  beforeAll(() => {
    const code = readFileSync(join(import.meta.dirname, '../../../dist/src-main/electron/preload.cjs'), 'utf8')
    const electron = {
      contextBridge: { exposeInMainWorld: (_key: string, value: Record<string, unknown>) => { exposed = value } },
      ipcRenderer: { on: () => {}, invoke: async (channel: string, arg: unknown) => { invoked.push({ channel, arg }); return { ok: true, value: {} } } },
      webUtils: { getPathForFile: (f: { path?: string }) => f.path ?? '' }
    }
    const module = { exports: {} }
    runInNewContext(code, { require: (name: string) => { if (name === 'electron') return electron; throw new Error(`the preload may not require ${name}`) }, module, exports: module.exports })
  })

  it('exposes every command but addShares, so the page cannot name a path to share', () => {
    expect(exposed.addShares).toBeUndefined()
    expect(typeof exposed.onConnection).toBe('function')
    for (const name of COMMAND_NAMES.filter(n => n !== 'addShares')) expect(typeof exposed[name]).toBe('function')
  })

  it('sends the paths webUtils finds for dropped files on their own channel, and none for a File the page made', async () => {
    const share = exposed.shareFiles as (files: Array<{ file: unknown }>) => Promise<unknown>
    await share([{ file: { path: '/home/me/photo.jpg' } }, { file: {} }])
    expect(invoked.at(-1)).toEqual({ channel: SHARE_DROPPED_CHANNEL, arg: ['/home/me/photo.jpg'] })
  })
})
