import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { randomFile, runInNamespace, sha256File, useScratch } from '../helpers/cli.js'

/**
 * Two hosts on one LAN, built from network namespaces joined by a veth pair,
 * so mDNS multicast stays inside what the test created. Needs root (CI runs
 * as root); elsewhere the suite says why it cannot run.
 */
const id = String(process.pid % 100000)
const NS_A = `sdlan${id}a`
const NS_B = `sdlan${id}b`
const ADDR_A = '10.231.0.1'
const ADDR_B = '10.231.0.2'

function ip (...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' })
}

function createLan (): string | null {
  try {
    ip('netns', 'add', NS_A)
    ip('netns', 'add', NS_B)
    ip('link', 'add', `sd${id}a`, 'type', 'veth', 'peer', 'name', `sd${id}b`)
    ip('link', 'set', `sd${id}a`, 'netns', NS_A)
    ip('link', 'set', `sd${id}b`, 'netns', NS_B)
    for (const [ns, dev, addr] of [[NS_A, `sd${id}a`, ADDR_A], [NS_B, `sd${id}b`, ADDR_B]] as const) {
      ip('-n', ns, 'addr', 'add', `${addr}/24`, 'dev', dev)
      ip('-n', ns, 'link', 'set', 'lo', 'up')
      ip('-n', ns, 'link', 'set', dev, 'up')
      // mDNS sends to 224.0.0.251: route multicast out of the LAN link.
      ip('-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', dev)
    }
    return null
  } catch (err) {
    destroyLan()
    return (err as { stderr?: Buffer }).stderr?.toString().trim() ?? (err as Error).message
  }
}

function destroyLan (): void {
  for (const ns of [NS_A, NS_B]) {
    try { ip('netns', 'del', ns) } catch { /* not there */ }
  }
}

const unavailable = createLan()
if (unavailable != null) {
  // Printed, not silent: the reason shows in the test output.
  process.stderr.write(`lan.test.ts: skipped, network namespaces cannot be created here: ${unavailable}\n`)
}

describe.skipIf(unavailable != null)('on a LAN, with no bootstrap peer', () => {
  const { dir, track, defer } = useScratch('swarmdrop-lan-', { per: 'suite' })
  defer(destroyLan)

  it('finds the sharer by mDNS: browse by bare peer ID, then get by bare CID', async () => {
    const src = join(dir(), 'lan.bin')
    const hash = await randomFile(src, 2 * 1024 * 1024)
    const sharer = track(runInNamespace(NS_A, ['share', src, '--data', join(dir(), 'a'), '--listen', `/ip4/${ADDR_A}/tcp/0`, '--json']))
    const sharing = await sharer.waitForEvent('sharing')

    const browse = track(runInNamespace(NS_B, ['browse', sharing.peerId, '--data', join(dir(), 'b'), '--listen', `/ip4/${ADDR_B}/tcp/0`, '--json']))
    expect(await browse.exited).toBe(0)
    expect(browse.events.filter(e => e.event === 'share').map(e => e.cid)).toEqual([sharing.cid])

    const get = track(runInNamespace(NS_B, ['get', sharing.cid, '--out', join(dir(), 'out'), '--data', join(dir(), 'b'), '--listen', `/ip4/${ADDR_B}/tcp/0`, '--json']))
    expect(await get.exited).toBe(0)
    expect(await sha256File(join(dir(), 'out', 'lan.bin'))).toBe(hash)
    expect(get.first('done')?.sources).toHaveProperty(sharing.peerId)
  })
})
