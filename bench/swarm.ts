import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from './cleanup.js'
import { randomFile, verifyFile } from './files.js'
import { table, verdict, writeResult } from './report.js'
import { LOCAL_ONLY, str, SwarmdropProcess, type Json } from './swarmdrop-cli.js'

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

/** Start of `get` to the last leecher's `done`, and the share of bytes leechers got from each other. */
async function distribute (run: string, src: string, size: number, sha256: string, mode: Row['mode'], n: number, rate: number): Promise<{ seconds: number, fromLeechers: number }> {
  const procs: SwarmdropProcess[] = []
  try {
    const capped = [...LOCAL_ONLY, '--up-limit', String(rate)]
    const hub = SwarmdropProcess.start(['hub', '--data', join(run, 'hub'), ...LOCAL_ONLY])
    procs.push(hub)
    const hubAddrs = (await hub.waitFor('listening')).data.addrs
    const hubAddr = Array.isArray(hubAddrs) && typeof hubAddrs[0] === 'string' ? hubAddrs[0] : undefined
    if (hubAddr == null) throw new Error('hub printed no address')
    const swarmArgs = mode === 'swarm' ? ['--bootstrap', hubAddr] : []
    const seeder = SwarmdropProcess.start(['share', src, '--data', join(run, 'seeder'), ...capped, ...swarmArgs])
    procs.push(seeder)
    const sharing = (await seeder.waitFor('sharing')).data
    const seederId = str(sharing, 'peerId')
    const t0 = performance.now()
    const leechers = Array.from({ length: n }, (_, i) => SwarmdropProcess.start([
      'get', str(sharing, 'link'), '--out', join(run, `out${i}`), '--data', join(run, `l${i}`), ...capped, ...swarmArgs,
      ...(mode === 'swarm' ? ['--seed'] : ['--leech-only'])
    ]))
    procs.push(...leechers)
    const dones = await Promise.all(leechers.map(async l => await l.waitFor('done')))
    const seconds = (Math.max(...dones.map(d => d.at)) - t0) / 1000
    let fromLeechers = 0
    for (const [i, d] of dones.entries()) {
      await verifyFile(`${mode} N=${n} leecher ${i}`, str(d.data, 'path'), size, sha256)
      const sources = (d.data.sources ?? {}) as Record<string, Json>
      for (const [peer, s] of Object.entries(sources)) if (peer !== seederId && typeof s.bytes === 'number') fromLeechers += s.bytes
    }
    return { seconds, fromLeechers }
  } finally {
    for (const p of procs) p.kill()
  }
}

export async function runSwarm (opts: SwarmOptions): Promise<void> {
  const dir = await tempDir('swarmdrop-bench-swarm-')
  const F = Math.round(opts.sizeMiB * 1024 * 1024)
  const src = join(dir, 'file.bin')
  const sha256 = await randomFile(src, F)
  const rows: Row[] = []
  for (const mode of opts.modes ?? ['client-server', 'swarm'] as const) {
    for (const n of opts.leechers) {
      const run = join(dir, `${mode}-${n}`)
      await mkdir(run)
      const { seconds, fromLeechers } = await distribute(run, src, F, sha256, mode, n, opts.rate)
      const bound = mode === 'client-server' ? n * F / opts.rate : Math.max(F / opts.rate, n * F / ((n + 1) * opts.rate))
      rows.push({ mode, n, seconds, bound, ratio: seconds / bound, fromLeechersPct: 100 * fromLeechers / (n * F) })
      process.stderr.write(`  ${mode} N=${n}: ${seconds.toFixed(1)} s (bound ${bound.toFixed(1)} s)\n`)
    }
  }
  process.stdout.write(`\nSwarm distribution: ${opts.sizeMiB} MiB to N leechers, every upload capped at ${(opts.rate / 1e6).toFixed(1)} MB/s (app-level caps)\n\n`)
  process.stdout.write(table(
    ['mode', 'N', 'time s', 'bound s', 'time/bound', 'from leechers'],
    rows.map(r => [r.mode, String(r.n), r.seconds.toFixed(1), r.bound.toFixed(1), r.ratio.toFixed(2), `${r.fromLeechersPct.toFixed(0)}%`]),
    ['left', 'right', 'right', 'right', 'right', 'right']
  ) + '\n')
  const largest = rows.find(r => r.mode === 'swarm' && r.n === Math.max(...opts.leechers))
  if (largest != null) process.stdout.write(`\nswarm at N=${largest.n}: ${largest.ratio.toFixed(2)}x its bound (target <= 1.30): ${verdict(largest.ratio <= 1.3)}\n`)
  const path = await writeResult('swarm', {
    suite: 'swarm',
    at: new Date().toISOString(),
    fileBytes: F,
    uploadCapBytesPerSecond: opts.rate,
    caps: 'application-level (--up-limit token bucket in the piece protocol), all peers on 127.0.0.1',
    rows
  })
  process.stdout.write(`JSON: ${path}\n`)
}
