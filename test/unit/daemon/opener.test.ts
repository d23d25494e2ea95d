import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCodes } from '../../../shared/errors.js'
import { desktopOpener } from '../../../src-main/daemon/opener.js'

/** Real programs standing in for xdg-open: one that opens (records the path), one with no program for the file. */
describe('desktopOpener', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'swarmdrop-opener-'))
    await writeFile(join(dir, 'opens'), `#!/bin/sh\necho "$1" > "${dir}/opened"\n`)
    await writeFile(join(dir, 'cannot'), '#!/bin/sh\nexit 3\n')
    await chmod(join(dir, 'opens'), 0o755)
    await chmod(join(dir, 'cannot'), 0o755)
  })
  afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

  it('opens a file, and shows a folder by opening the folder it is in', async () => {
    const opener = desktopOpener(join(dir, 'opens'))
    await opener.open('/srv/files/a.txt')
    expect((await readFile(join(dir, 'opened'), 'utf8')).trim()).toBe('/srv/files/a.txt')
    await opener.reveal('/srv/files/a.txt')
    expect((await readFile(join(dir, 'opened'), 'utf8')).trim()).toBe('/srv/files')
  })

  it('fails, with a code, when the opener exits saying nothing could open it', async () => {
    await expect(desktopOpener(join(dir, 'cannot')).open('/srv/files/a.txt')).rejects.toMatchObject({ code: ErrorCodes.UNSUPPORTED, message: expect.stringContaining('exited with 3') as unknown })
  })

  it('fails when there is no opener at all', async () => {
    await expect(desktopOpener(join(dir, 'missing')).open('/x')).rejects.toMatchObject({ code: ErrorCodes.UNSUPPORTED })
  })
})
