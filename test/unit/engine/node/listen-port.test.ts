import { readFile, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LISTEN_PORT_FILE, PICK_RANGE, resolveListen } from '../../../../src-main/engine/node/listen-port.js'
import { tempDir } from '../../../helpers/cli.js'

/** The defaults under test: loopback, since tests may not listen on every interface. */
const DEFAULTS = ['/ip4/127.0.0.1/tcp/0']

const portOf = (addr: string): number => Number(/\/tcp\/(\d+)/.exec(addr)![1])

async function occupy (port: number): Promise<Server> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: '127.0.0.1', port }, resolve)
  })
  return server
}

async function keptPort (dir: string): Promise<unknown> {
  return (JSON.parse(await readFile(join(dir, LISTEN_PORT_FILE), 'utf8')) as { port: unknown }).port
}

describe('the kept listen port', () => {
  let dir: string
  let cleanup: () => Promise<void>
  const servers: Server[] = []

  beforeEach(async () => { ({ path: dir, cleanup } = await tempDir('swarmdrop-port-')) })
  afterEach(async () => {
    await Promise.all(servers.splice(0).map(async s => await new Promise(resolve => s.close(resolve))))
    await cleanup()
  })

  it('picks a free port on the first start, saves it, and reuses it on the next', async () => {
    const first = await resolveListen({ dataDir: dir, defaults: DEFAULTS })
    expect(first.changed).toBeUndefined()
    expect(first.listen).toHaveLength(1)
    const port = portOf(first.listen[0]!)
    expect(first.listen[0]).toBe(`/ip4/127.0.0.1/tcp/${port}`)
    expect(port).toBeGreaterThanOrEqual(PICK_RANGE.min)
    expect(port).toBeLessThanOrEqual(PICK_RANGE.max)
    expect(await keptPort(dir)).toBe(port)
    // The port really is free: what libp2p will do next succeeds.
    servers.push(await occupy(port))
    await new Promise(resolve => servers.pop()!.close(resolve))

    const second = await resolveListen({ dataDir: dir, defaults: DEFAULTS })
    expect(second).toEqual({ listen: [`/ip4/127.0.0.1/tcp/${port}`] })
  })

  it('replaces a taken port, keeps the new one and reports the change', async () => {
    const port = portOf((await resolveListen({ dataDir: dir, defaults: DEFAULTS })).listen[0]!)
    servers.push(await occupy(port))

    const moved = await resolveListen({ dataDir: dir, defaults: DEFAULTS })
    const now = portOf(moved.listen[0]!)
    expect(now).not.toBe(port)
    expect(moved.changed).toEqual({ old: port, new: now })
    expect(await keptPort(dir)).toBe(now)
    servers.push(await occupy(now))
    await new Promise(resolve => servers.pop()!.close(resolve))

    // The old port coming free again does not move us back: the new one is the kept one.
    await new Promise(resolve => servers.pop()!.close(resolve))
    expect(await resolveListen({ dataDir: dir, defaults: DEFAULTS })).toEqual({ listen: [`/ip4/127.0.0.1/tcp/${now}`] })
  })

  it('falls back to the OS when every random draw is taken', async () => {
    const taken = PICK_RANGE.min + 7
    servers.push(await occupy(taken))
    const plan = await resolveListen({ dataDir: dir, defaults: DEFAULTS, random: () => 7 / (PICK_RANGE.max - PICK_RANGE.min + 1) })
    const port = portOf(plan.listen[0]!)
    expect(port).not.toBe(taken)
    expect(port).toBeGreaterThan(0)
    expect(await keptPort(dir)).toBe(port)
  })

  it('chooses again when the saved file is damaged, without reporting a change', async () => {
    await writeFile(join(dir, LISTEN_PORT_FILE), '{"port": "forty')
    const plan = await resolveListen({ dataDir: dir, defaults: DEFAULTS })
    expect(plan.changed).toBeUndefined()
    expect(await keptPort(dir)).toBe(portOf(plan.listen[0]!))
  })

  it('leaves an explicit list alone: tcp/0 stays random, a given port is used as given, nothing is saved', async () => {
    await resolveListen({ dataDir: dir, defaults: DEFAULTS })
    const kept = await keptPort(dir)
    expect(await resolveListen({ dataDir: dir, configured: ['/ip4/127.0.0.1/tcp/0'], defaults: DEFAULTS })).toEqual({ listen: ['/ip4/127.0.0.1/tcp/0'] })
    expect(await resolveListen({ dataDir: dir, configured: ['/ip4/127.0.0.1/tcp/4567'], defaults: DEFAULTS })).toEqual({ listen: ['/ip4/127.0.0.1/tcp/4567'] })
    // `swarmdrop id` asks for no listen address at all.
    expect(await resolveListen({ dataDir: dir, configured: [], defaults: DEFAULTS })).toEqual({ listen: [] })
    expect(await keptPort(dir)).toBe(kept)
  })

  it('gives one port to every random-port default and leaves the others as they are', async () => {
    const plan = await resolveListen({ dataDir: dir, defaults: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.2/tcp/0/ws', '/ip4/127.0.0.1/tcp/9999', '/p2p-circuit'] })
    const port = portOf(plan.listen[0]!)
    expect(plan.listen).toEqual([`/ip4/127.0.0.1/tcp/${port}`, `/ip4/127.0.0.2/tcp/${port}/ws`, '/ip4/127.0.0.1/tcp/9999', '/p2p-circuit'])
  })

  it('saves nothing when no default asks for a random port', async () => {
    expect(await resolveListen({ dataDir: dir, defaults: ['/ip4/127.0.0.1/tcp/9999'] })).toEqual({ listen: ['/ip4/127.0.0.1/tcp/9999'] })
    await expect(readFile(join(dir, LISTEN_PORT_FILE))).rejects.toThrow(/ENOENT/)
  })
})
