import { join } from 'node:path'
import { spawnCommand, tempDir } from './cleanup.js'
import { randomFile, verifyFile } from './files.js'
import { createTopology, type Topology } from './netns.js'
import { ROOT, table } from './report.js'
import { str, SwarmdropProcess, type Json } from './swarmdrop-cli.js'

/**
 * The client-server fallback's speed beside the direct path, in one run:
 * hosts A and B each see a hub H on a bridge. First they see each other too
 * (direct); then their bridge ports are isolated, so A's pieces reach B only
 * through H's relay. Same file, same hosts, no caps: what the relay costs.
 */
export interface RelayRow {
  path: 'direct' | 'relay'
  seconds: number
  mbps: number
}

const BIN = join(ROOT, 'bin', 'swarmdrop.js')

function startIn (net: Topology, host: string, args: string[]): SwarmdropProcess {
  return SwarmdropProcess.wrap(spawnCommand('ip', ['netns', 'exec', net.ns(host), process.execPath, BIN, ...args]))
}

export async function runRelay (sizeMiB: number): Promise<RelayRow[]> {
  const dir = await tempDir('swarmdrop-bench-relay-')
  const size = Math.round(sizeMiB * 1024 * 1024)
  const src = join(dir, 'file.bin')
  const sha256 = await randomFile(src, size)
  const net = createTopology('sdr', ['a', 'b', 'h'], '10.91.8')
  if (typeof net === 'string') throw new Error(`could not build the hosts: ${net}`)
  const procs: SwarmdropProcess[] = []
  const start = (host: string, args: string[]): SwarmdropProcess => { const p = startIn(net, host, args); procs.push(p); return p }
  try {
    const hub = start('h', ['hub', '--data', join(dir, 'h'), '--listen', `/ip4/${net.addr('h')}/tcp/0`, '--no-mdns', '--json'])
    const hubAddr = ((await hub.waitFor('listening')).data.addrs as string[])[0]!
    const rows: RelayRow[] = []
    for (const path of ['direct', 'relay'] as const) {
      net.isolate('a', path === 'relay')
      net.isolate('b', path === 'relay')
      const args = (h: string, data: string): string[] => ['--data', join(dir, `${path}-${data}`), '--listen', `/ip4/${net.addr(h)}/tcp/0`, '--bootstrap', hubAddr, '--no-mdns', '--json']
      process.stderr.write(`  ${path}...\n`)
      const sharer = start('a', ['share', src, ...args('a', 'a')])
      const sharing = (await sharer.waitFor('sharing')).data
      const out = join(dir, `${path}-out`)
      const t0 = performance.now()
      const getter = start('b', ['get', str(sharing, 'link'), '--out', out, ...args('b', 'b')])
      const done = await getter.waitFor('done')
      const seconds = (done.at - t0) / 1000
      const source = ((done.data.sources ?? {}) as Record<string, Json>)[str(sharing, 'peerId')]
      if (source?.path !== path) throw new Error(`the ${path} run went by ${String(source?.path)}`)
      await verifyFile(`${path} get`, str(done.data, 'path'), size, sha256)
      rows.push({ path, seconds, mbps: size / 1e6 / seconds })
      sharer.kill()
      getter.kill()
    }
    return rows
  } finally {
    for (const p of procs) p.kill()
    await Promise.all(procs.map(async p => await p.exited))
    net.destroy()
  }
}

export function printRelay (rows: RelayRow[], sizeMiB: number): string {
  const direct = rows.find(r => r.path === 'direct')
  return `\nDirect and through a hub's relay: ${sizeMiB} MiB from host A to host B (network namespaces, no caps), spawn of get to done\n\n` +
    table(['path', 'time s', 'MB/s', 'vs direct'], rows.map(r => [r.path, r.seconds.toFixed(1), r.mbps.toFixed(0), direct == null ? '' : (r.mbps / direct.mbps).toFixed(2)]), ['left', 'right', 'right', 'right']) + '\n'
}
