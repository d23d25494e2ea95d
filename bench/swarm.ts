import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Cli, randomFile, ROOT, sha256File, table } from './proc.js'

/**
 * Distributing one file from 1 seeder to N leechers with every peer's upload
 * capped at the same rate u, in two modes:
 *   client-server: leechers fetch only from the seeder and serve nobody;
 *   swarm: leechers find each other (DHT via a hub, peer exchange) and trade.
 * Lower bounds (Kurose & Ross): client-server N·F/u, swarm max(F/u, N·F/((N+1)·u)).
 * Caps are applied in the app (--up-limit), not by the kernel: see the report's `caps`.
 */
export interface SwarmOptions {
  sizeMiB: number
  /** Upload cap per peer, bytes/s. */
  rate: number
  leechers: number[]
  modes?: Array<'client-server' | 'swarm'>
}

interface Row {
  mode: 'client-server' | 'swarm'
  n: number
  seconds: number
  bound: number
  ratio: number
  fromLeechersPct: number
}

const LOOPBACK = '/ip4/127.0.0.1/tcp/0'

export async function runSwarm (opts: SwarmOptions): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'swarmdrop-bench-swarm-'))
  const procs: Cli[] = []
  try {
    const F = opts.sizeMiB * 1024 * 1024
    const src = join(dir, 'file.bin')
    const hash = await randomFile(src, F)
    const rows: Row[] = []
    for (const mode of opts.modes ?? ['client-server', 'swarm'] as const) {
      for (const n of opts.leechers) {
        const run = join(dir, `${mode}-${n}`)
        await mkdir(run)
        const common = ['--no-mdns', '--listen', LOOPBACK, '--json', '--up-limit', String(opts.rate)]
        const hub = Cli.run(['hub', '--data', join(run, 'hub'), '--no-mdns', '--listen', LOOPBACK, '--json'])
        procs.push(hub)
        const hubAddr = ((await hub.waitFor('listening')).addrs as string[])[0]!
        const swarmArgs = mode === 'swarm' ? ['--bootstrap', hubAddr] : []
        const seeder = Cli.run(['share', src, '--data', join(run, 'seeder'), ...common, ...swarmArgs])
        procs.push(seeder)
        const link = String((await seeder.waitFor('sharing')).link)
        const seederId = String((await seeder.waitFor('sharing')).peerId)
        const t0 = performance.now()
        const leechers = Array.from({ length: n }, (_, i) => Cli.run([
          'get', link, '--out', join(run, `out${i}`), '--data', join(run, `l${i}`), ...common, ...swarmArgs,
          ...(mode === 'swarm' ? ['--seed'] : ['--leech-only'])
        ]))
        procs.push(...leechers)
        const dones = await Promise.all(leechers.map(async l => await l.waitFor('done')))
        const seconds = (Math.max(...dones.map(d => d._at as number)) - t0) / 1000
        let fromLeechers = 0
        for (const [i, d] of dones.entries()) {
          if (await sha256File(join(run, `out${i}`, 'file.bin')) !== hash) throw new Error(`${mode} N=${n}: leecher ${i} got a different file`)
          for (const [peer, s] of Object.entries(d.sources as Record<string, { bytes: number }>)) if (peer !== seederId) fromLeechers += s.bytes
        }
        const bound = mode === 'client-server' ? n * F / opts.rate : Math.max(F / opts.rate, n * F / ((n + 1) * opts.rate))
        rows.push({ mode, n, seconds, bound, ratio: seconds / bound, fromLeechersPct: 100 * fromLeechers / (n * F) })
        for (const p of procs.splice(0)) p.kill()
        process.stderr.write(`  ${mode} N=${n}: ${seconds.toFixed(1)} s (bound ${bound.toFixed(1)} s)\n`)
      }
    }
    const report = {
      suite: 'swarm',
      at: new Date().toISOString(),
      fileBytes: F,
      uploadCapBytesPerSecond: opts.rate,
      caps: 'application-level (--up-limit token bucket in the piece protocol), all peers on 127.0.0.1',
      rows
    }
    process.stdout.write(`\nSwarm distribution: ${opts.sizeMiB} MiB to N leechers, every upload capped at ${(opts.rate / 1e6).toFixed(1)} MB/s (app-level caps)\n\n`)
    process.stdout.write(table(['mode', 'N', 'time s', 'bound s', 'time/bound', 'from leechers'], rows.map(r => [r.mode, r.n, r.seconds.toFixed(1), r.bound.toFixed(1), r.ratio.toFixed(2), `${r.fromLeechersPct.toFixed(0)}%`])) + '\n')
    const at8 = rows.find(r => r.mode === 'swarm' && r.n === Math.max(...opts.leechers))
    if (at8 != null) process.stdout.write(`\nswarm at N=${at8.n}: ${at8.ratio.toFixed(2)}x its bound (target <= 1.30): ${at8.ratio <= 1.3 ? 'PASS' : 'MISS'}\n`)
    const out = join(ROOT, 'bench', 'results', `swarm-${Date.now()}.json`)
    await mkdir(join(ROOT, 'bench', 'results'), { recursive: true })
    await writeFile(out, JSON.stringify(report, null, 2))
    process.stdout.write(`JSON: ${out}\n`)
  } finally {
    for (const p of procs) p.kill()
    await rm(dir, { recursive: true, force: true })
  }
}
