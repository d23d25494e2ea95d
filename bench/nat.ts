import { join } from 'node:path'
import { spawnCommand, tempDir } from './cleanup.js'
import { randomFile, verifyFile } from './files.js'
import { createNatTopology, natTopologyMissing, type NatHostSpec, type NatTopology } from './nat-topology.js'
import { ROOT, table, verdict, writeResult } from './report.js'
import { str, SwarmdropProcess } from './swarmdrop-cli.js'

/**
 * `npm run bench -- nat`: transfers across the namespace internet of
 * nat-topology.ts, one row per topology, each against the same transfer
 * between two public hosts on one segment (the "LAN" row). For each: the
 * share of bytes that went direct (straight or hole-punched), time to the
 * first byte and to done, and the bytes the hub's relay carried.
 */
export interface NatRow {
  topology: string
  bytes: number
  seconds: number
  firstByteSeconds: number
  /** Bytes received straight or hole-punched, over all bytes received. */
  directShare: number
  relayedBytes: number
  vsLan: number
  target?: { what: string, ok: boolean }
}

const BIN = join(ROOT, 'bin', 'swarmdrop.js')
const PORT = 4001

interface Case {
  name: string
  nat: NatHostSpec[]
  from: string
  to: string[]
  /** Extra flags for every peer (e.g. --no-hole-punch for the relay row). */
  flags?: string[]
  /** Caps the sharer's uplink (bits/s), so a swarm has a reason to trade. */
  capBits?: number
  target?: (row: NatRow, lan: NatRow) => { what: string, ok: boolean }
}

const CASES: Case[] = [
  { name: 'LAN (public to public)', nat: [], from: 'p', to: ['q'] },
  { name: 'NAT -> public', nat: [{ name: 'a' }], from: 'a', to: ['p'], target: r => ({ what: '>= 95 % direct', ok: r.directShare >= 0.95 }) },
  { name: 'NAT <-> NAT, UPnP', nat: [{ name: 'a', upnp: true }, { name: 'b', upnp: true }], from: 'a', to: ['b'], target: r => ({ what: '>= 95 % direct', ok: r.directShare >= 0.95 }) },
  { name: 'NAT <-> NAT, hole punch', nat: [{ name: 'a' }, { name: 'b' }], from: 'a', to: ['b'], target: r => ({ what: '>= 90 % direct', ok: r.directShare >= 0.9 }) },
  {
    name: 'NAT <-> NAT, relay only',
    nat: [{ name: 'a' }, { name: 'b' }],
    from: 'a',
    to: ['b'],
    flags: ['--no-hole-punch'],
    target: (r, lan) => ({ what: '>= 0.5x LAN', ok: r.seconds > 0 && lan.seconds / r.seconds >= 0.5 })
  },
  {
    name: 'swarm: NAT seeder, 4 NAT leechers',
    nat: ['s', 'l1', 'l2', 'l3', 'l4'].map(name => ({ name })),
    from: 's',
    to: ['l1', 'l2', 'l3', 'l4'],
    capBits: 200_000_000,
    target: r => ({ what: 'hub relays <= 10 %', ok: r.relayedBytes <= 0.1 * r.bytes })
  }
]

async function runCase (c: Case, sizeMiB: number, dir: string): Promise<NatRow> {
  const topo = createNatTopology('sdb', ['h', 'p', 'q'], c.nat)
  if (typeof topo === 'string') throw new Error(`could not build the hosts: ${topo}`)
  const procs: SwarmdropProcess[] = []
  const start = (net: NatTopology, host: string, args: string[]): SwarmdropProcess => {
    const p = SwarmdropProcess.wrap(spawnCommand('ip', ['netns', 'exec', net.ns(host), process.execPath, BIN, ...args, '--no-mdns', '--json']))
    procs.push(p)
    return p
  }
  try {
    const size = Math.round(sizeMiB * 1024 * 1024)
    const src = join(dir, 'file.bin')
    const sha256 = await randomFile(src, size)
    const hub = start(topo, 'h', ['hub', '--data', join(dir, `${c.name}-hub`), '--listen', `/ip4/${topo.addr('h')}/tcp/${PORT}`,
      '--relay-connection-bytes', '256MiB', '--relay-peer-bytes-per-hour', '10GiB', '--relay-total-bytes-per-hour', '10GiB'])
    const hubAddr = ((await hub.waitFor('listening')).data.addrs as string[])[0]!
    const args = (h: string): string[] => ['--data', join(dir, `${c.name}-${h}`), '--listen', `/ip4/0.0.0.0/tcp/${PORT}`, '--hub', hubAddr, ...(c.flags ?? [])]
    if (c.capBits != null) topo.capUplink(c.from, c.capBits)
    const sharer = start(topo, c.from, ['share', src, ...args(c.from)])
    const sharing = (await sharer.waitFor('sharing')).data
    process.stderr.write(`  ${c.name}...\n`)
    const t0 = performance.now()
    const gets = c.to.map(h => start(topo, h, ['get', str(sharing, 'link'), '--out', join(dir, `${c.name}-out-${h}`), ...args(h)]))
    const dones = await Promise.all(gets.map(async g => await g.waitFor('done')))
    const firsts = gets.map(g => g.find('progress', d => Number(d.bytes) > 0)?.at ?? t0)
    let direct = 0
    let relayed = 0
    for (const d of dones) {
      await verifyFile(c.name, str(d.data, 'path'), size, sha256)
      const paths = d.data.paths as Record<string, number>
      direct += (paths.direct ?? 0) + (paths.punched ?? 0)
      relayed += paths.relay ?? 0
    }
    const bytes = size * dones.length
    return {
      topology: c.name,
      bytes,
      seconds: (Math.max(...dones.map(d => d.at)) - t0) / 1000,
      firstByteSeconds: (Math.max(...firsts) - t0) / 1000,
      directShare: direct / bytes,
      relayedBytes: relayed,
      vsLan: 0
    }
  } finally {
    for (const p of procs) p.kill()
    await Promise.all(procs.map(async p => await p.exited))
    topo.destroy()
  }
}

export async function runNat (sizeMiB: number): Promise<void> {
  const missing = natTopologyMissing(true)
  if (missing != null) throw new Error(`nat: ${missing}`)
  const dir = await tempDir('swarmdrop-bench-nat-')
  const rows: NatRow[] = []
  for (const c of CASES) {
    const row = await runCase(c, sizeMiB, dir)
    const lan = rows[0] ?? row
    row.vsLan = row.seconds > 0 ? lan.seconds / row.seconds : 0
    if (c.target != null) row.target = c.target(row, lan)
    rows.push(row)
  }
  process.stdout.write(printNat(rows, sizeMiB))
  process.stdout.write(`JSON: ${await writeResult('nat', { sizeMiB, rows })}\n`)
}

function printNat (rows: NatRow[], sizeMiB: number): string {
  return `\nBehind home routers: ${sizeMiB} MiB per downloader across namespace hosts (nftables NAT routers, miniupnpd, a hub), spawn of get to done\n\n` +
    table(['topology', 'time s', 'first byte s', 'vs LAN', 'direct', 'hub relayed MB', 'target'], rows.map(r => [
      r.topology, r.seconds.toFixed(1), r.firstByteSeconds.toFixed(1), r.vsLan.toFixed(2), `${(100 * r.directShare).toFixed(0)} %`,
      (r.relayedBytes / 1e6).toFixed(0), r.target == null ? '' : `${r.target.what} ${verdict(r.target.ok)}`
    ]), ['left', 'right', 'right', 'right', 'right', 'right', 'left']) + '\n'
}

