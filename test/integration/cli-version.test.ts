import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT, runToEnd } from '../helpers/cli.js'

describe('swarmdrop --version', () => {
  it.each(['--version', '-V'])('%s prints the package version alone and exits 0, without starting a node', async flag => {
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }
    const res = await runToEnd([flag])
    expect(res.code).toBe(0)
    expect(res.stderr).toBe('')
    expect(res.events).toEqual([{ event: 'non-json', line: version }])
  })
})
