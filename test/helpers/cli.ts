import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { once } from 'node:events'
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import type { FileChangeKind, ErrorCode } from '../../shared/errors.js'
import type { CatalogEntry } from '../../shared/catalog.js'
import type {
  CheckingEvent, DoneEvent, HashingEvent, PeersEvent, ProgressEvent, PushedEvent, PushingEvent, SharingEvent, SkippedEvent, StalledEvent, WaitingEvent
} from '../../shared/transfer.js'
import type { HubServerConfig, PortChange } from '../../src-main/api/index.js'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const BIN = join(ROOT, 'bin', 'swarmdrop.js')
export const LOOPBACK = '/ip4/127.0.0.1/tcp/0'
export const MiB = 1024 * 1024
/** Loopback only, no mDNS (it would multicast on the host's interfaces), JSON lines: how every test process runs. */
export const ISOLATED = ['--no-mdns', '--listen', LOOPBACK, '--json']

export type JsonEvent = Record<string, unknown> & { event?: string }

/*
 * The CLI's other JSON lines, as src-main/cli and src-main/hub print them. They are
 * no transfer's events, so they have no home in shared/transfer.ts; keep them in step.
 */
/** `hub --json`'s first line. */
export interface ListeningEvent {
  event: 'listening'
  peerId: string
  addrs: string[]
  relay: HubServerConfig['relay']
  store: NonNullable<HubServerConfig['store']> | null
  dht: boolean
}
/** `daemon --json`'s first line: the UI's URL, with its token. */
export interface ReadyEvent { event: 'ready', url: string, peerId: string, addrs: string[] }
/** A hub's log: one line per connection opened or closed. */
export interface ConnectionEvent { event: 'connection', type: 'open' | 'close', peerId: string, addr: string, direction: 'inbound' | 'outbound', relayed: boolean }
/** `bans --json`: one line per banned peer, or one for the ban lifted. */
export interface BanEvent { event: 'ban', peerId: string, until: number, reason: string }
export interface UnbannedEvent { event: 'unbanned', peerId: string, wasBanned: boolean }
/** `browse --json`: one line per entry of the peer's catalog. */
export interface CatalogEvent extends CatalogEntry { event: 'share', peerId: string }
/** A seeded share taken out of service because its file changed on disk (`file` is absolute here). */
export interface ChangedEvent { event: 'changed', cid: string, file: string, kind: FileChangeKind, reason: string }
export interface PortChangedEvent extends PortChange { event: 'port-changed' }
/** The line a failed command ends with. */
export interface ErrorEvent { event: 'error', code: ErrorCode, message: string }
/** Not the CLI's: what CliProcess records for a stdout line that is not JSON. */
export interface NonJsonLine { event: 'non-json', line: string }

/** The CLI's JSON lines by name, typed from the one contract in shared/transfer.ts where it has one. */
export interface CliEvents {
  done: DoneEvent
  progress: ProgressEvent
  checking: CheckingEvent
  peers: PeersEvent
  waiting: WaitingEvent
  stalled: StalledEvent
  /** `get --seed` prints only its cid, link, peerId and addrs. */
  sharing: SharingEvent
  hashing: HashingEvent
  skipped: SkippedEvent
  pushing: PushingEvent
  pushed: PushedEvent
  listening: ListeningEvent
  ready: ReadyEvent
  connection: ConnectionEvent
  ban: BanEvent
  unbanned: UnbannedEvent
  share: CatalogEvent
  changed: ChangedEvent
  'port-changed': PortChangedEvent
  error: ErrorEvent
  'non-json': NonJsonLine
}

/** Whether a collected line is the `name` event, which then has that event's type. */
export function isEvent<K extends keyof CliEvents> (e: JsonEvent, name: K): e is JsonEvent & CliEvents[K] {
  return e.event === name
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
  async waitFor<E extends JsonEvent> (pred: (e: JsonEvent) => e is E, timeoutMs?: number): Promise<E>
  async waitFor (pred: (e: JsonEvent) => boolean, timeoutMs?: number): Promise<JsonEvent>
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
    return await this.waitFor((e): e is JsonEvent & CliEvents[K] => isEvent(e, name) && pred(e), timeoutMs)
  }

  /** Every `name` event so far, typed. */
  eventsOf<K extends keyof CliEvents> (name: K): Array<CliEvents[K]> {
    return this.events.filter((e): e is JsonEvent & CliEvents[K] => isEvent(e, name))
  }

  /** Where an event (typed or not) is in `events` and `times`, -1 if it is not one of them. */
  indexOf (e: object): number {
    return this.events.findIndex(x => x === e)
  }

  /** The first `name` event so far, typed. */
  first<K extends keyof CliEvents> (name: K): CliEvents[K] | undefined {
    return this.events.find((e): e is JsonEvent & CliEvents[K] => isEvent(e, name))
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

/** What a command left once it exited: its code, its JSON lines (typed through `first` and `eventsOf`) and its stderr. */
export interface Finished {
  code: number | null
  events: JsonEvent[]
  stderr: string
  first: CliProcess['first']
  eventsOf: CliProcess['eventsOf']
}

/** Waits for `p` to exit. */
export async function finished (p: CliProcess): Promise<Finished> {
  const code = await p.exited
  return { code, events: p.events, stderr: p.stderr, first: name => p.first(name), eventsOf: name => p.eventsOf(name) }
}

/** Runs a command to completion. */
export async function runToEnd (args: string[]): Promise<Finished> {
  return await finished(run(args))
}

/** This data folder's peer ID, from `swarmdrop id --json` (its one line is `{ peerId }`, with no event name). */
export async function peerIdOf (dataDir: string): Promise<string> {
  const res = await runToEnd(['id', '--data', dataDir, '--json'])
  const peerId = res.events[0]?.peerId
  if (typeof peerId !== 'string') throw new Error(`swarmdrop id printed no peer ID: ${JSON.stringify(res.events)}; stderr: ${res.stderr}`)
  return peerId
}

export async function share (paths: string[], dataDir: string, extra: string[] = []): Promise<{ proc: CliProcess, sharing: SharingEvent }> {
  const proc = run(['share', ...paths, '--data', dataDir, '--listen', LOOPBACK, '--json', ...extra])
  const sharing = await proc.waitForEvent('sharing')
  return { proc, sharing }
}

export async function tempDir (prefix = 'swarmdrop-test-'): Promise<{ path: string, cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, cleanup: async () => { await rm(path, { recursive: true, force: true }) } }
}

/** Something a test starts and its scratch stops afterwards: a CliProcess, an engine, a hostile peer. */
export interface Stoppable { stop: (signal?: NodeJS.Signals) => Promise<unknown> }

export interface Scratch {
  /** The temp folder (a function: it is made by a hook, after the suite's body has run). */
  dir: () => string
  /** Stops `p` at teardown whatever the test did, with `signal` (SIGKILL unless told), and returns it. */
  track: <P extends Stoppable>(p: P, signal?: NodeJS.Signals) => P
  /** Runs `undo` at teardown, once everything tracked has stopped and before the folder goes (a topology, a mount). */
  defer: (undo: () => unknown) => void
}

/**
 * A temp folder and what the tests start in it, stopped and removed at
 * teardown whatever happened: the setup and teardown every suite needs.
 * A fresh folder per test; with `per: 'suite'` one for the whole describe,
 * whose processes then live across its tests and stop after the last.
 */
export function useScratch (prefix = 'swarmdrop-test-', { per = 'test' }: { per?: 'test' | 'suite' } = {}): Scratch {
  let path = ''
  let cleanup: () => Promise<void> = async () => {}
  const running: Array<{ p: Stoppable, signal: NodeJS.Signals }> = []
  const undos: Array<() => unknown> = []
  const setUp = async (): Promise<void> => { ({ path, cleanup } = await tempDir(prefix)) }
  const tearDown = async (): Promise<void> => {
    await Promise.all(running.splice(0).map(async ({ p, signal }) => await p.stop(signal)))
    for (const undo of undos.splice(0).reverse()) await undo()
    await cleanup()
  }
  if (per === 'test') {
    beforeEach(setUp)
    afterEach(tearDown)
  } else {
    beforeAll(setUp)
    afterAll(tearDown)
  }
  return {
    dir: () => path,
    track: (p, signal = 'SIGKILL') => { running.push({ p, signal }); return p },
    defer: undo => { undos.push(undo) }
  }
}

/** Where a download goes (no `out`: to see it refused) and the data folder of the node that fetches it. */
export interface GetFolders { out?: string, data: string }

/** `swarmdrop get <target> --out <out> --data <data> ...extra`: how every test spells a download. */
export function getArgs (target: string, { out, data }: GetFolders, extra: string[] = []): string[] {
  return ['get', target, ...(out == null ? [] : ['--out', out]), '--data', data, ...extra]
}

/** A suite's downloads by name (see `getter`). */
export interface Getter {
  /** Getter `name`'s arguments, for a process the test starts its own way. */
  args: (target: string, name: string, extra?: string[]) => string[]
  /** Starts getter `name` (through the suite's `spawn`). */
  start: (target: string, name: string, extra?: string[]) => CliProcess
  /** Starts getter `name` and waits for it to exit. */
  toEnd: (target: string, name: string, extra?: string[]) => Promise<Finished>
}

/**
 * The downloads of a suite, named: getter `name` keeps its data in
 * `<folder>/<name>` and downloads into `<folder>/<name>-out`, so each name is
 * its own node. Every run adds `common` (how the suite's processes listen and
 * find each other), then its own `extra`; `spawn` starts it (the suite's own
 * when it tracks its processes or runs them in a namespace).
 */
export function getter ({ folder, common = () => [], spawn = run }: { folder: () => string, common?: () => string[], spawn?: (args: string[]) => CliProcess }): Getter {
  const args = (target: string, name: string, extra: string[] = []): string[] =>
    getArgs(target, { out: join(folder(), `${name}-out`), data: join(folder(), name) }, [...common(), ...extra])
  return {
    args,
    start: (target, name, extra) => spawn(args(target, name, extra)),
    toEnd: async (target, name, extra) => await finished(spawn(args(target, name, extra)))
  }
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

export function sourcesOf (done: DoneEvent): DoneEvent['sources'] {
  return done.sources
}
