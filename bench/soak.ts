import { readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import WebSocket from 'ws'
import { tempDir } from './cleanup.js'
import { randomFile } from './files.js'
import { table, writeResult } from './report.js'
import { LOCAL_ONLY, str, SwarmdropProcess } from './swarmdrop-cli.js'

/**
 * A soak run: N daemons (each a full node with its API) on one hub, each
 * sharing a file of its own and, for the whole run, downloading a random
 * other's share, dropping it, and picking the next. Leaks show as resident
 * memory or open file descriptors that grow from the start to the end.
 */
export interface SoakOptions {
  peers: number
  minutes: number
  sizeMiB: number
}

interface Sample { rssMiB: number, fds: number }

/** One swap of a few MiB takes seconds; a minute means it is stuck. */
const SWAP_TIMEOUT_MS = 60_000

/** A minimal client of the daemon's API (the same frames the browser sends). */
class Api {
  private next = 1
  private readonly pending = new Map<number, (r: { ok: boolean, value?: unknown, error?: { message: string } }) => void>()
  private constructor (private readonly ws: WebSocket) {
    ws.on('message', data => {
      const f = JSON.parse(String(data)) as { type: string, id: number, result: { ok: boolean } }
      if (f.type === 'result') { this.pending.get(f.id)?.(f.result); this.pending.delete(f.id) }
    })
  }

  static async connect (url: string): Promise<Api> {
    const u = new URL(url)
    const ws = new WebSocket(`ws://${u.host}/api?token=${u.searchParams.get('token') ?? ''}`, { headers: { origin: u.origin } })
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
    return new Api(ws)
  }

  async call<T> (command: string, request: object): Promise<T> {
    const id = this.next++
    const r = await new Promise<{ ok: boolean, value?: unknown, error?: { message: string } }>(resolve => {
      this.pending.set(id, resolve)
      this.ws.send(JSON.stringify({ type: 'call', id, command, request }))
    })
    if (!r.ok) throw new Error(`${command}: ${r.error?.message ?? 'failed'}`)
    return r.value as T
  }

  close (): void { this.ws.close() }
}

async function sample (pid: number): Promise<Sample> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return { rssMiB: kb / 1024, fds: (await readdir(`/proc/${pid}/fd`)).length }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
const max = (xs: number[]): number => Math.max(...xs)

export async function runSoak (o: SoakOptions): Promise<void> {
  const dir = await tempDir('swarmdrop-soak-')
  const procs: SwarmdropProcess[] = []
  const apis: Api[] = []
  try {
    const hub = SwarmdropProcess.start(['hub', '--data', join(dir, 'hub'), ...LOCAL_ONLY])
    procs.push(hub)
    const hubAddr = (hub.find('listening') ?? await hub.waitFor('listening')).data.addrs as string[]
    const links: string[] = []
    for (let i = 0; i < o.peers; i++) {
      const d = SwarmdropProcess.start(['daemon', '--data', join(dir, `p${i}`), '--out', join(dir, `p${i}-out`), '--ui-port', '0', '--bootstrap', hubAddr[0]!, ...LOCAL_ONLY])
      procs.push(d)
      const api = await Api.connect(str((await d.waitFor('ready', 120_000)).data, 'url'))
      apis.push(api)
      const file = join(dir, `own-${i}.bin`)
      await randomFile(file, o.sizeMiB * 1024 * 1024)
      links.push((await api.call<{ link: string }>('addShares', { paths: [file] })).link)
    }
    const daemons = procs.slice(1)
    process.stdout.write(`soak: ${o.peers} daemons up, one warm-up swap each…\n`)
    // Warm-up: one swap each before the first sample, so start-up allocations are not counted as growth.
    const swaps = new Array<number>(o.peers).fill(0)
    const failures: string[] = []
    const swap = async (i: number): Promise<void> => {
      const api = apis[i]!
      const link = links[(i + 1 + Math.floor(Math.random() * (o.peers - 1))) % o.peers]!
      const d = await api.call<{ id: string }>('startDownload', { target: link })
      // A swap that has not finished in this long counts as failed: the run must end on time whatever happens.
      const giveUp = Date.now() + SWAP_TIMEOUT_MS
      for (;;) {
        const now = (await api.call<Array<{ id: string, state: string, bytes: number, error: { message: string } | null, stall: { pieces: number, failedBy: string[], unavailable: number } | null, waiting: { known: number, tried: string[] } | null }>>('listDownloads', {})).find(x => x.id === d.id)
        if (now?.state === 'seeding') break
        if (now?.state === 'failed') { failures.push(now.error?.message ?? 'failed'); break }
        if (Date.now() > giveUp) {
          // Say why, as the app would: who it waited for, or which pieces had no good source.
          const why = now?.stall != null
            ? `stalled: ${now.stall.pieces} piece(s) with no good source, ${now.stall.failedBy.length} peer(s) sent bad copies, ${now.stall.unavailable} held by nobody connected`
            : now?.waiting != null ? `waiting for peers (${now.waiting.known} known; tried ${now.waiting.tried.join(', ')})` : (now?.state ?? 'gone')
          failures.push(`not finished after ${SWAP_TIMEOUT_MS / 1000} s (${why}, ${now?.bytes ?? 0} bytes)`)
          break
        }
        await new Promise(resolve => setTimeout(resolve, 250))
      }
      await api.call('cancelDownload', { id: d.id }).catch(() => {})
      await api.call('removeShare', { cid: d.id }).catch(() => {})
      await rm(join(dir, `p${i}-out`), { recursive: true, force: true })
      swaps[i]!++
    }
    await Promise.all(apis.map(async (_a, i) => { await swap(i) }))
    const warmFailures = failures.length
    const start = await Promise.all(daemons.map(async p => await sample(p.pid)))
    const end = Date.now() + o.minutes * 60_000
    process.stdout.write(`soak: ${o.peers} peers warmed up; swapping ${o.sizeMiB} MiB files for ${o.minutes} min…\n`)
    // Memory once a minute, so "flat after warm-up" is a series to read, not two points.
    const series: Array<{ minute: number, medianRssMiB: number, maxRssMiB: number }> = []
    const began = Date.now()
    const sampler = setInterval(() => {
      void Promise.all(daemons.map(async p => await sample(p.pid))).then(now => {
        const row = { minute: Math.round((Date.now() - began) / 60_000), medianRssMiB: Math.round(median(now.map(x => x.rssMiB))), maxRssMiB: Math.round(max(now.map(x => x.rssMiB))) }
        series.push(row)
        process.stdout.write(`soak: minute ${row.minute}: resident memory median ${row.medianRssMiB} MiB, max ${row.maxRssMiB} MiB\n`)
      }, () => {})
    }, 60_000)
    await Promise.all(apis.map(async (_a, i) => { while (Date.now() < end) await swap(i) }))
    clearInterval(sampler)
    const last = await Promise.all(daemons.map(async p => await sample(p.pid)))

    const total = swaps.reduce((a, b) => a + b, 0) - failures.length
    // Honest peers should never ban each other: any ban here is a false positive of the scoring.
    const bans: Array<{ by: number, reason: string }> = []
    for (let i = 0; i < o.peers; i++) {
      const file = await readFile(join(dir, `p${i}`, 'bans.json'), 'utf8').catch(() => '{}')
      for (const b of Object.values(JSON.parse(file) as Record<string, { reason: string }>)) bans.push({ by: i, reason: b.reason })
    }
    const rows = [
      ['resident memory, median (MiB)', median(start.map(s => s.rssMiB)).toFixed(0), median(last.map(s => s.rssMiB)).toFixed(0)],
      ['resident memory, max (MiB)', max(start.map(s => s.rssMiB)).toFixed(0), max(last.map(s => s.rssMiB)).toFixed(0)],
      ['open fds, median', String(median(start.map(s => s.fds))), String(median(last.map(s => s.fds)))],
      ['open fds, max', String(max(start.map(s => s.fds))), String(max(last.map(s => s.fds)))]
    ]
    process.stdout.write(`${table(['per daemon', 'start', 'end'], rows, ['left', 'right', 'right'])}\n`)
    process.stdout.write(`${total} downloads finished (${(total * o.sizeMiB / 1024).toFixed(1)} GiB), ${failures.length} not (${warmFailures} during warm-up)\n`)
    // Every unfinished swap, by reason: none may go unexplained.
    const reasons = new Map<string, number>()
    for (const f of failures) reasons.set(f, (reasons.get(f) ?? 0) + 1)
    for (const [why, n] of reasons) process.stdout.write(`  ${n} × ${why}\n`)
    process.stdout.write(`${bans.length} ban(s) among honest peers${bans.length > 0 ? `: ${[...new Set(bans.map(x => x.reason))].slice(0, 3).join('; ')}` : ''}\n`)
    const path = await writeResult('soak', { options: o, swaps: total, failures, bans, start, end: last, series })
    process.stdout.write(`written to ${path}\n`)
  } finally {
    for (const a of apis) a.close()
    for (const p of procs) p.kill()
  }
}
