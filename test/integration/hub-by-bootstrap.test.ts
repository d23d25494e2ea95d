import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { randomFile, runInNamespace, sha256File, useScratch, type CliProcess } from '../helpers/cli.js'
import { createTopology, type Topology } from '../helpers/netns.js'

/**
 * A hub named the way most people name the one server they know: as a
 * bootstrap peer. Hosts A and B see the hub H on one bridge but not each other
 * (isolated bridge ports), and neither is told it is a hub: they find out from
 * what it speaks. Needs root (CI runs as root); elsewhere the suite says why it cannot run.
 */
const topo = createTopology('sdb', ['a', 'b', 'h'], '10.234.0')
if (typeof topo === 'string') process.stderr.write(`hub-by-bootstrap.test.ts: skipped, network namespaces cannot be created here: ${topo}\n`)
const net = typeof topo === 'string' ? null : topo

describe.skipIf(net == null)('a hub named only as a bootstrap peer', () => {
  const t = net as Topology
  const { dir, track, defer } = useScratch('swarmdrop-hub-bootstrap-', { per: 'suite' })
  defer(() => { t.destroy() })
  let hubAddr: string
  // mDNS off: the bootstrap address is the only way A and B learn of the hub.
  const args = (h: string, data: string): string[] => ['--data', join(dir(), data), '--listen', `/ip4/${t.addr(h)}/tcp/0`, '--bootstrap', hubAddr, '--no-mdns', '--json']
  const start = (h: string, cmd: string[]): CliProcess => track(runInNamespace(t.ns(h), cmd))

  beforeAll(async () => {
    t.isolate('a', true)
    t.isolate('b', true)
    const hub = start('h', ['hub', '--data', join(dir(), 'h'), '--listen', `/ip4/${t.addr('h')}/tcp/0`, '--no-mdns', '--json'])
    hubAddr = (await hub.waitForEvent('listening')).addrs[0]!
  }, 60_000)

  it('is used as the relay: two peers that cannot reach each other download through it, and say so', async () => {
    const size = 3 * 1024 * 1024 + 7
    const src = join(dir(), 'via-bootstrap.bin')
    const hash = await randomFile(src, size)
    const sharer = start('a', ['share', src, ...args('a', 'a')])
    const sharing = await sharer.waitForEvent('sharing')
    const aId = sharing.peerId
    // Reachable through the hub's relay by the time the link is printed.
    expect(sharing.link).toContain('p2p-circuit')

    const getter = start('b', ['get', sharing.link, '--out', join(dir(), 'b-out'), ...args('b', 'b')])
    const code = await getter.exited
    expect(code, getter.stderr).toBe(0)
    const done = getter.first('done')!
    expect(done.sources[aId]).toEqual({ bytes: size, path: 'relay' })
    expect(await sha256File(join(dir(), 'b-out', 'via-bootstrap.bin'))).toBe(hash)
    await sharer.stop()
  })
})
