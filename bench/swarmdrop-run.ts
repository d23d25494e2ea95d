import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { verifyFile } from './files.js'
import { mbps } from './report.js'
import { LOCAL_ONLY, num, str, SwarmdropProcess, type CliEvent, type Json } from './swarmdrop-cli.js'

/** Progress lines this often: they time the first byte, so finer is sharper; 20 a second costs nothing. */
const PROGRESS_MS = 50
/** VmHWM is polled this often; it only grows, so the last reading before exit is the peak. */
const RSS_POLL_MS = 50

export type CliEncryption = 'tls' | 'noise'

export interface Seeder {
  proc: SwarmdropProcess
  link: string
  /** Spawn to the `sharing` line: process start, hashing the file, listening. */
  startMs: number
}

export interface GetResult {
  encryption: CliEncryption
  /** Spawn of `get` to its `done` line. */
  wholeMs: number
  wholeMBps: number
  /** First progress line with bytes > 0 to `done`: the transfer, piece checks, final fsync and rename. */
  transferMBps: number | null
  /** First progress line with bytes > 0 to the one at 100 %: pieces in, before the final fsync. */
  piecesMBps: number | null
  /** Spawn to the first progress line with bytes: start-up, dial, manifest and the first pieces (to within PROGRESS_MS). */
  firstByteMs: number | null
  /** The 100 % line to `done`: the final fsync and rename, as a share of the whole run. */
  finalSyncShare: number | null
  /** The get process's CPU (user + system) from its first progress line to done, per GiB moved in that span. */
  cpuSecPerGiB: number | null
  /** VmHWM read when the `done` line arrived. */
  peakRssAtDoneBytes: number
  /** VmHWM over the whole process, shutdown included: what the RSS target is checked against. */
  peakRssBytes: number
}

/** `swarmdrop share <file>`, seeding with the default encrypters (TLS, then Noise) until killed. */
export async function startSeeder (dir: string, file: string): Promise<Seeder> {
  const proc = SwarmdropProcess.start(['share', file, '--data', join(dir, 'seed'), ...LOCAL_ONLY])
  const sharing = await proc.waitFor('sharing')
  return { proc, link: str(sharing.data, 'link'), startMs: sharing.at - proc.startedAt }
}

/** CPU time (user + system) a live process has used so far, in seconds; null once it is gone. */
export async function cpuSeconds (pid: number): Promise<number | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null)
  if (stat == null) return null
  // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS
}

/** Linux reports process times in clock ticks; USER_HZ is 100 on every architecture Node runs on. */
const CLOCK_TICKS = 100

/** Peak resident set of a live process, from the kernel's high-water mark; 0 once it is gone. */
async function vmHwm (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(status)
  return m?.[1] == null ? 0 : Number(m[1]) * 1024
}

interface RssWatch {
  /** The peak so far (read now, while the process lives). */
  now: () => Promise<number>
  /** Resolves, once the process has exited, to the last peak read before it did. */
  final: Promise<number>
}

/**
 * Polls a process's VmHWM until it exits. VmHWM only grows, so the last
 * reading is the peak of the whole run, shutdown included, give or take the
 * final poll interval.
 */
function watchPeakRss (pid: number, exited: Promise<unknown>): RssWatch {
  let peak = 0
  const now = async (): Promise<number> => { peak = Math.max(peak, await vmHwm(pid)); return peak }
  const timer = setInterval(() => { void now() }, RSS_POLL_MS)
  const final = exited.then(() => { clearInterval(timer); return peak })
  return { now, final }
}

function rates (get: SwarmdropProcess, done: CliEvent, size: number): { transfer: number | null, pieces: number | null } {
  const first = get.find('progress', d => num(d, 'bytes') > 0 && num(d, 'bytes') < size)
  // A transfer over before the first progress line (a tiny --size) has only the whole-run time.
  if (first == null) return { transfer: null, pieces: null }
  // Rate from the first line on: exact, with no guess at when the first byte really landed.
  const rest = size - num(first.data, 'bytes')
  const last = get.find('progress', d => num(d, 'bytes') === size)
  return {
    transfer: mbps(rest, done.at - first.at),
    pieces: last == null || last.at <= first.at ? null : mbps(rest, last.at - first.at)
  }
}

const GiB = 1024 ** 3

/** The first progress line with some bytes but not all; undefined when the transfer was over before one came. */
async function firstBytes (get: SwarmdropProcess, size: number): Promise<CliEvent | undefined> {
  const some = (d: Json): boolean => num(d, 'bytes') > 0
  await get.waitForMatch(e => (e.data.event === 'progress' && some(e.data)) || e.data.event === 'done')
  return get.find('progress', d => some(d) && num(d, 'bytes') < size)
}

/**
 * `swarmdrop get <link>` from the seeder in a fresh process, with its data
 * and output folders in `dir` (`data/`, `out/`, both new), then checks the
 * file it wrote byte for byte (size and SHA-256) and deletes it.
 */
export async function getOnce (dir: string, seeder: Seeder, encryption: CliEncryption, size: number, sha256: string): Promise<GetResult> {
  const out = join(dir, 'out')
  const get = SwarmdropProcess.start([
    'get', seeder.link, '--out', out, '--data', join(dir, 'data'),
    ...LOCAL_ONLY, '--encryption', encryption, '--progress-interval', String(PROGRESS_MS)
  ])
  const rss = watchPeakRss(get.pid, get.exited)
  const started = await firstBytes(get, size)
  const cpuAtStart = started == null ? null : await cpuSeconds(get.pid)
  const done = await get.waitFor('done')
  // Read at once: the cleanest figures, before shutdown does anything.
  const cpuAtDone = await cpuSeconds(get.pid)
  const peakRssAtDoneBytes = await rss.now()
  const code = await get.exited
  if (code !== 0) throw new Error(`swarmdrop get (${encryption}) exited with ${code} after done`)
  const peakRssBytes = Math.max(peakRssAtDoneBytes, await rss.final)
  await verifyFile(`swarmdrop get (${encryption})`, str(done.data, 'path'), size, sha256)
  // Its dirty pages would otherwise be written back during the next measurement.
  await rm(out, { recursive: true, force: true })
  const { transfer, pieces } = rates(get, done, size)
  const wholeMs = done.at - get.startedAt
  const last = get.find('progress', d => num(d, 'bytes') === size)
  const cpuSecPerGiB = started == null || cpuAtStart == null || cpuAtDone == null
    ? null
    : (cpuAtDone - cpuAtStart) / ((size - num(started.data, 'bytes')) / GiB)
  return {
    encryption,
    wholeMs,
    wholeMBps: mbps(size, wholeMs),
    transferMBps: transfer,
    piecesMBps: pieces,
    firstByteMs: started == null ? null : started.at - get.startedAt,
    finalSyncShare: last == null ? null : (done.at - last.at) / wholeMs,
    cpuSecPerGiB,
    peakRssAtDoneBytes,
    peakRssBytes
  }
}
