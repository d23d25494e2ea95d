import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { once } from 'node:events'
import { afterEach, beforeEach } from 'vitest'
import type { DoneEvent, ProgressEvent, SharingEvent, StalledEvent, WaitingEvent } from '../../shared/transfer.js'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const BIN = join(ROOT, 'bin', 'swarmdrop.js')
export const LOOPBACK = '/ip4/127.0.0.1/tcp/0'
export const MiB = 1024 * 1024
/** Loopback only, no mDNS (it would multicast on the host's interfaces), JSON lines: how every test process runs. */
export const ISOLATED = ['--no-mdns', '--listen', LOOPBACK, '--json']

export type JsonEvent = Record<string, unknown> & { event?: string }

/** The CLI's JSON lines by name, typed from the one contract in shared/transfer.ts. */
export interface CliEvents {
  done: DoneEvent
  progress: ProgressEvent
  sharing: SharingEvent
  waiting: WaitingEvent
  stalled: StalledEvent
}

/** A running `swarmdrop` process with its JSON lines collected as they arrive. */
export class CliProcess {
  readonly events: JsonEvent[] = []
  /** When each event arrived (ms since epoch), same order as `events`. */
  readonly times: number[] = []
  stderr = ''
  readonly exited: Promise<number | null>
  private waiters: Array<() => void> = []

  constructor (readonly child: ChildProcess) {
    let buf = ''
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d
      let nl
      while ((nl = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        if (line.trim() === '') continue
        try {
          this.events.push(JSON.parse(line) as JsonEvent)
        } catch {
          this.events.push({ event: 'non-json', line })
        }
        this.times.push(Date.now())
        for (const w of this.waiters) w()
      }
    })
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { this.stderr += d })
    this.exited = new Promise(resolve => child.on('exit', code => {
      for (const w of this.waiters) w()
      resolve(code)
    }))
  }

  /** Waits for the first event matching `pred`; fails if the process exits first. */
  async waitFor (pred: (e: JsonEvent) => boolean, timeoutMs = 60_000): Promise<JsonEvent> {
    const deadline = Date.now() + timeoutMs
    while (true) {
      const hit = this.events.find(pred)
      if (hit != null) return hit
      if (this.child.exitCode != null || this.child.signalCode != null) throw new Error(`process exited (${this.child.exitCode ?? this.child.signalCode}) before the awaited event; stderr: ${this.stderr}`)
      if (Date.now() > deadline) throw new Error(`timed out waiting for an event; got ${JSON.stringify(this.events.slice(-3))}; stderr: ${this.stderr}`)
      await new Promise<void>(resolve => {
        const t = setTimeout(resolve, 200)
        this.waiters.push(() => { clearTimeout(t); resolve() })
      })
      this.waiters = []
    }
  }

  /** The first `name` event (matching `pred`), typed: no casts at the call site. */
  async waitForEvent<K extends keyof CliEvents> (name: K, pred: (e: CliEvents[K]) => boolean = () => true, timeoutMs = 60_000): Promise<CliEvents[K]> {
    return await this.waitFor(e => e.event === name && pred(e as unknown as CliEvents[K]), timeoutMs) as unknown as CliEvents[K]
  }

  /** Every `name` event so far, typed. */
  eventsOf<K extends keyof CliEvents> (name: K): Array<CliEvents[K]> {
    return this.events.filter(e => e.event === name) as unknown as Array<CliEvents[K]>
  }

  async stop (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode == null && this.child.signalCode == null) this.child.kill(signal)
    return await this.exited
  }
}

/**
 * Every test process runs with --no-mdns: mDNS would multicast on the host's
 * real interfaces, and tests may only talk to 127.0.0.1.
 */
export function run (args: string[]): CliProcess {
  const all = args.includes('--no-mdns') ? args : [...args, '--no-mdns']
  const child = spawn(process.execPath, [BIN, ...all], { stdio: ['ignore', 'pipe', 'pipe'] })
  return new CliProcess(child)
}

/** Runs `swarmdrop` inside a network namespace the test created, with mDNS left on. */
export function runInNamespace (ns: string, args: string[]): CliProcess {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  return new CliProcess(child)
}

/** Runs a command to completion. */
export async function runToEnd (args: string[]): Promise<{ code: number | null, events: JsonEvent[], stderr: string }> {
  const p = run(args)
  const code = await p.exited
  return { code, events: p.events, stderr: p.stderr }
}

export async function share (paths: string[], dataDir: string, extra: string[] = []): Promise<{ proc: CliProcess, sharing: JsonEvent }> {
  const proc = run(['share', ...paths, '--data', dataDir, '--listen', LOOPBACK, '--json', ...extra])
  const sharing = await proc.waitFor(e => e.event === 'sharing')
  return { proc, sharing }
}

export async function tempDir (prefix = 'swarmdrop-test-'): Promise<{ path: string, cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, cleanup: async () => { await rm(path, { recursive: true, force: true }) } }
}

/**
 * A fresh temp folder per test and the processes it started, killed and
 * removed after each test whatever happened: the teardown every suite needs.
 */
export function useScratch (prefix = 'swarmdrop-test-'): { dir: () => string, track: <P extends { stop: (s?: NodeJS.Signals) => Promise<unknown> }>(p: P) => P } {
  let path = ''
  let cleanup: () => Promise<void> = async () => {}
  const running: Array<{ stop: (s?: NodeJS.Signals) => Promise<unknown> }> = []
  beforeEach(async () => { ({ path, cleanup } = await tempDir(prefix)) })
  afterEach(async () => {
    await Promise.all(running.splice(0).map(async p => await p.stop('SIGKILL')))
    await cleanup()
  })
  return { dir: () => path, track: p => { running.push(p); return p } }
}

/** Writes `size` random bytes, streamed, and returns their SHA-256. */
export async function randomFile (path: string, size: number): Promise<string> {
  const out = createWriteStream(path)
  const h = createHash('sha256')
  let left = size
  while (left > 0) {
    const chunk = randomBytes(Math.min(left, 1 << 20))
    h.update(chunk)
    left -= chunk.byteLength
    if (!out.write(chunk)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
  return h.digest('hex')
}

export async function sha256File (path: string): Promise<string> {
  const h = createHash('sha256')
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer)
  return h.digest('hex')
}

export function sourcesOf (done: JsonEvent): Record<string, { bytes: number, path: string }> {
  return done.sources as Record<string, { bytes: number, path: string }>
}
