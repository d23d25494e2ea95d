import { execFileSync } from 'node:child_process'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { spawnCommand, tempDir } from './cleanup.js'
import { randomFile, verifyFile } from './files.js'
import { createTopology, type Topology } from './netns.js'
import { ROOT, table, verdict, writeResult } from './report.js'
import type { RelayRow } from './relay.js'
import { str, SwarmdropProcess, type Json } from './swarmdrop-cli.js'

/**
 * The swarm as people run it: every peer its own host (a network namespace on
 * a bridge) whose uplink the kernel caps with `tc tbf`, and every leecher a
 * plain `get --seed <link>`: no hub, no mDNS, only the link's hint, peer
 * exchange and the DHT the peers form among themselves.
 *
 * Per run: the last leecher's time against the Kurose–Ross bound, what the
 * seeder uploaded in file-sizes, the share of leecher bytes that came from
 * other leechers, and how long each leecher took to know every other member.
 */
export interface HostsOptions {
  sizeMiB: number
  /** Uplink cap per host, bits/s. */
  bits: number
  leechers: number[]
  modes: Array<'client-server' | 'swarm'>
}

export interface HostsRow {
  mode: 'client-server' | 'swarm'
  n: number
  sizeMiB: number
  capMbit: number
  seconds: number
  bound: number
  ratio: number
  /** Seeder upload / file size. */
  seederUploads: number
  fromLeechersPct: number
  /** Slowest leecher's time from its start to knowing every other member, seconds (null: one never did). */
  knewAllSeconds: number | null
  /** Median of the same. */
  knewAllMedianSeconds: number | null
  /** How busy this machine's CPUs were during the run: near 100 the run measured the CPU, not the swarm. */
  cpuBusyPct: number
  /** Each leecher, seconds from the run's start: where the time went. */
  leechers: LeecherTimes[]
}

export interface LeecherTimes {
  /** Its first verified bytes. */
  firstBytes: number | null
  half: number | null
  done: number
  /** Bytes it took from the seeder, in file-sizes. */
  fromSeeder: number
}

const BIN = join(ROOT, 'bin', 'swarmdrop.js')
const PORT = 4001

/** Null when this machine cannot build namespaces (not root, no iproute2): the reason instead. */
export function hostsUnavailable (): string | null {
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces'
  try { execFileSync('tc', ['-V'], { stdio: 'pipe' }) } catch { return 'needs tc (iproute2)' }
  return null
}

/** Node flags for every peer, e.g. SWARMDROP_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to see where a peer's CPU goes. */
const NODE_ARGS = (process.env.SWARMDROP_BENCH_NODE_ARGS ?? '').split(' ').filter(a => a !== '')

function startIn (net: Topology, host: string, args: string[]): SwarmdropProcess {
  return SwarmdropProcess.wrap(spawnCommand('ip', ['netns', 'exec', net.ns(host), process.execPath, ...NODE_ARGS, BIN, ...args]))
}

async function peerIdOf (dataDir: string): Promise<string> {
  const p = SwarmdropProcess.wrap(spawnCommand(process.execPath, [BIN, 'id', '--data', dataDir, '--json', '--no-mdns']))
  await p.exited
  const line = p.events.find(e => typeof e.data.peerId === 'string')
  if (line == null) throw new Error(`swarmdrop id printed no peer ID for ${dataDir}`)
  return str(line.data, 'peerId')
}

async function distribute (run: string, src: string, size: number, sha256: string, mode: HostsRow['mode'], n: number, bits: number): Promise<HostsRow> {
  const hosts = ['seed', ...Array.from({ length: n }, (_, i) => `l${i}`)]
  const net = createTopology('sdb', hosts, '10.91.7')
  if (typeof net === 'string') throw new Error(`could not build the hosts: ${net}`)
  const procs: SwarmdropProcess[] = []
  try {
    for (const h of hosts) net.capUplink(h, bits)
    const listen = (h: string): string[] => ['--listen', `/ip4/${net.addr(h)}/tcp/${PORT}`, '--json', '--no-mdns']
    // Peer IDs first (each data folder keeps its key), so "knew every other member" can be checked.
    const ids = await Promise.all(hosts.map(async h => await peerIdOf(join(run, h))))
    const seeder = startIn(net, 'seed', ['share', src, '--data', join(run, 'seed'), ...listen('seed')])
    procs.push(seeder)
    const sharing = (await seeder.waitFor('sharing')).data
    const seederId = str(sharing, 'peerId')
    const t0 = performance.now()
    const cpu0 = await cpuTimes()
    const leechers = hosts.slice(1).map(h => startIn(net, h, [
      'get', str(sharing, 'link'), '--out', join(run, `${h}-out`), '--data', join(run, h), ...listen(h), '--stall-timeout', '0',
      ...(mode === 'swarm' ? ['--seed'] : ['--leech-only'])
    ]))
    procs.push(...leechers)
    const dones = await Promise.all(leechers.map(async l => await l.waitFor('done')))
    const seconds = (Math.max(...dones.map(d => d.at)) - t0) / 1000
    const cpu1 = await cpuTimes()
    let fromLeechers = 0
    let fromSeeder = 0
    for (const [i, d] of dones.entries()) {
      await verifyFile(`${mode} N=${n} leecher ${i}`, str(d.data, 'path'), size, sha256)
      const sources = (d.data.sources ?? {}) as Record<string, Json>
      for (const [peer, s] of Object.entries(sources)) {
        if (typeof s.bytes !== 'number') continue
        if (peer === seederId) fromSeeder += s.bytes
        else fromLeechers += s.bytes
      }
    }
    const at = (t: number | undefined): number | null => t == null ? null : (t - t0) / 1000
    const times = leechers.map((l, i): LeecherTimes => {
      const progress = l.events.filter(e => e.data.event === 'progress' && typeof e.data.bytes === 'number')
      const sources = (dones[i]!.data.sources ?? {}) as Record<string, Json>
      return {
        firstBytes: at(progress.find(e => (e.data.bytes as number) > 0)?.at),
        half: at(progress.find(e => (e.data.bytes as number) >= size / 2)?.at),
        done: at(dones[i]!.at)!,
        fromSeeder: (typeof sources[seederId]?.bytes === 'number' ? sources[seederId].bytes : 0) / size
      }
    })
    const knew = leechers.map((l, i) => knewAllAfter(l, ids.filter((_, k) => k !== i + 1)))
    const known = knew.filter((s): s is number => s != null).sort((a, b) => a - b)
    const bound = mode === 'client-server' ? n * size * 8 / bits : Math.max(size * 8 / bits, n * size * 8 / ((n + 1) * bits))
    return {
      mode,
      n,
      sizeMiB: size / 1024 / 1024,
      capMbit: bits / 1e6,
      seconds,
      bound,
      ratio: seconds / bound,
      seederUploads: fromSeeder / size,
      fromLeechersPct: 100 * fromLeechers / (n * size),
      knewAllSeconds: mode === 'swarm' && known.length === knew.length ? known[known.length - 1]! : null,
      knewAllMedianSeconds: mode === 'swarm' && known.length > 0 ? known[Math.floor(known.length / 2)]! : null,
      cpuBusyPct: 100 * (1 - (cpu1.idle - cpu0.idle) / Math.max(1, cpu1.total - cpu0.total)),
      leechers: times
    }
  } finally {
    // Profiled peers must exit cleanly to write their profiles.
    if (NODE_ARGS.length > 0) await Promise.all(procs.map(async p => { await p.stop() }))
    for (const p of procs) p.kill()
    await Promise.all(procs.map(async p => await p.exited))
    net.destroy()
  }
}

/** The machine's CPU time so far (all cores), in clock ticks, from /proc/stat. */
async function cpuTimes (): Promise<{ idle: number, total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!
  const v = line.trim().split(/\s+/).slice(1).map(Number)
  return { idle: v[3]! + (v[4] ?? 0), total: v.reduce((a, b) => a + b, 0) }
}

/** Seconds from a leecher's start until its `peers` events had named every one of `others`; null if never. */
function knewAllAfter (p: SwarmdropProcess, others: string[]): number | null {
  const seen = new Set<string>()
  for (const e of p.events) {
    if (e.data.event !== 'peers' || !Array.isArray(e.data.peers)) continue
    for (const id of e.data.peers) if (typeof id === 'string') seen.add(id)
    if (others.every(o => seen.has(o))) return (e.at - p.startedAt) / 1000
  }
  return null
}

export async function runSwarmHosts (opts: HostsOptions): Promise<HostsRow[]> {
  const dir = await tempDir('swarmdrop-bench-hosts-')
  const F = Math.round(opts.sizeMiB * 1024 * 1024)
  const src = join(dir, 'file.bin')
  const sha256 = await randomFile(src, F)
  const rows: HostsRow[] = []
  for (const mode of opts.modes) {
    for (const n of opts.leechers) {
      const run = join(dir, `${mode}-${n}`)
      await mkdir(run)
      const row = await distribute(run, src, F, sha256, mode, n, opts.bits)
      rows.push(row)
      process.stderr.write(`  ${mode} N=${n} at ${row.capMbit} Mbit/s: ${row.seconds.toFixed(1)} s (bound ${row.bound.toFixed(1)} s), seeder sent ${row.seederUploads.toFixed(2)} files\n`)
    }
  }
  return rows
}

export function printHosts (rows: HostsRow[]): string {
  const s = (v: number | null): string => v == null ? 'never' : v.toFixed(1)
  let text = '\nSwarm of hosts: one file from 1 seeder to N leechers, each its own network namespace, uplinks capped by tc tbf (kernel caps)\n\n'
  text += table(
    ['mode', 'N', 'MiB', 'cap Mbit/s', 'time s', 'bound s', 'time/bound', 'seeder sent', 'from leechers', 'knew all (max/median) s', 'first bytes (max) s', 'CPU busy'],
    rows.map(r => [r.mode, String(r.n), String(r.sizeMiB), String(r.capMbit), r.seconds.toFixed(1), r.bound.toFixed(1), r.ratio.toFixed(2), `${r.seederUploads.toFixed(2)}x`,
      `${r.fromLeechersPct.toFixed(0)}%`, r.mode === 'swarm' ? `${s(r.knewAllSeconds)} / ${s(r.knewAllMedianSeconds)}` : '-',
      s(Math.max(...r.leechers.map(l => l.firstBytes ?? Infinity))), `${r.cpuBusyPct.toFixed(0)}%`]),
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right']
  ) + '\n'
  for (const r of rows.filter(r => r.mode === 'swarm')) {
    const target = r.n >= 16 ? 1.4 : 1.3
    text += `swarm N=${r.n}: ${r.ratio.toFixed(2)}x its bound (target <= ${target}): ${verdict(r.ratio <= target)}; seeder sent ${r.seederUploads.toFixed(2)}x the file (target <= 1.2): ${verdict(r.seederUploads <= 1.2)}\n`
  }
  return text
}

export async function writeHosts (rows: HostsRow[], fileBytes: number, relay: RelayRow[] = []): Promise<string> {
  return await writeResult('swarm-hosts', {
    suite: 'swarm-hosts',
    at: new Date().toISOString(),
    fileBytes,
    caps: 'kernel (tc tbf on each host\'s veth, egress), one network namespace per peer on a Linux bridge',
    rows,
    relay
  })
}
