import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { randomFile, runInNamespace, useScratch, type CliProcess } from '../helpers/cli.js'
import type { SharingEvent } from '../../shared/transfer.js'
import { createTopology, type Topology } from '../helpers/netns.js'

/**
 * A node started with no --listen listens on every interface, so the test
 * runs it inside a network namespace of its own. Needs root (CI runs as
 * root); elsewhere the suite prints why it cannot run.
 */
const topo = createTopology('sdp', ['a'], '10.234.0')
if (typeof topo === 'string') process.stderr.write(`listen-port.test.ts: skipped, network namespaces cannot be created here: ${topo}\n`)
const net = typeof topo === 'string' ? null : topo

const portsOf = (addrs: string[]): number[] => [...new Set(addrs.map(a => Number(/\/tcp\/(\d+)\//.exec(a)![1])))]

describe.skipIf(net == null)('a node with the default listen address keeps its port across restarts', () => {
  const t = net as Topology
  const { dir, track, defer } = useScratch('swarmdrop-port-', { per: 'suite' })
  defer(() => { t.destroy() })
  let file: string

  const share = (json = true): CliProcess => {
    return track(runInNamespace(t.ns('a'), ['share', file, '--data', join(dir(), 'a'), ...(json ? ['--json'] : [])]))
  }
  const started = async (): Promise<{ proc: CliProcess, sharing: SharingEvent, port: number }> => {
    const proc = share()
    const sharing = await proc.waitForEvent('sharing')
    const ports = portsOf(sharing.addrs)
    // Every interface (loopback and the LAN link) answers on the one port.
    expect(ports).toHaveLength(1)
    expect(sharing.addrs).toContain(`/ip4/${t.addr('a')}/tcp/${ports[0]}/p2p/${sharing.peerId}`)
    return { proc, sharing, port: ports[0]! }
  }
  /** Another program on `port`, on every interface of the namespace. */
  const occupy = async (port: number): Promise<void> => {
    const child = spawn('ip', ['netns', 'exec', t.ns('a'), process.execPath, '-e',
      `require('node:net').createServer().listen(${port}, '0.0.0.0', () => { console.log('up') })`], { stdio: ['ignore', 'pipe', 'inherit'] })
    defer(() => child.kill('SIGKILL'))
    const [line] = await once(child.stdout!.setEncoding('utf8'), 'data') as [string]
    expect(line.trim()).toBe('up')
  }

  beforeAll(async () => {
    file = join(dir(), 'kept.bin')
    await randomFile(file, 64 * 1024)
  })

  it('`id` does not listen, so it keeps no port', async () => {
    const id = runInNamespace(t.ns('a'), ['id', '--data', join(dir(), 'a'), '--json'])
    expect(await id.exited).toBe(0)
    expect(existsSync(join(dir(), 'a', 'listen-port.json'))).toBe(false)
  })

  it('restarts on the same port, and moves to a new one (saying so) when that port is taken', async () => {
    const first = await started()
    expect(JSON.parse(await readFile(join(dir(), 'a', 'listen-port.json'), 'utf8'))).toEqual({ port: first.port })
    expect(await first.proc.stop('SIGTERM')).toBe(0)

    const again = await started()
    expect(again.port).toBe(first.port)
    expect(again.sharing.peerId).toBe(first.sharing.peerId)
    expect(again.proc.events.some(e => e.event === 'port-changed')).toBe(false)
    expect(await again.proc.stop('SIGTERM')).toBe(0)

    await occupy(first.port)
    const moved = await started()
    expect(moved.port).not.toBe(first.port)
    const notice = moved.proc.events.find(e => e.event === 'port-changed')
    expect(notice).toEqual({ event: 'port-changed', old: first.port, new: moved.port })
    // The notice comes as soon as the node is up, before the share's own events.
    expect(moved.proc.indexOf(notice!)).toBeLessThan(moved.proc.indexOf(moved.sharing))
    expect(await moved.proc.stop('SIGTERM')).toBe(0)

    // Without --json the notice is one line on stderr, and the new port was the kept one.
    await occupy(moved.port)
    const human = share(false)
    await expect.poll(() => human.stderr, { timeout: 30_000 }).toMatch(new RegExp(`^swarmdrop: listen port ${moved.port} is taken by another program; listening on (\\d+) from now on`, 'm'))
    const now = Number(new RegExp(`listening on (\\d+)`).exec(human.stderr)![1])
    expect(now).not.toBe(first.port)
    expect(now).not.toBe(moved.port)
    expect(JSON.parse(await readFile(join(dir(), 'a', 'listen-port.json'), 'utf8'))).toEqual({ port: now })
    expect(await human.stop('SIGTERM')).toBe(0)
  })
})
