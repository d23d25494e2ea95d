import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { kill, spawnNode } from './cleanup.js'
import { ROOT } from './report.js'

const BIN = join(ROOT, 'bin', 'swarmdrop.js')

export type Json = Record<string, unknown>

/** One JSON line from the CLI and when this process read it (performance.now()). */
export interface CliEvent {
  at: number
  data: Json
}

/** Flags every benchmark run uses: loopback only, and no multicast on the real network. */
export const LOCAL_ONLY = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--json']

/** A running `swarmdrop` process whose --json lines are collected, timestamped, as they arrive. */
export class SwarmdropProcess {
  readonly events: CliEvent[] = []
  readonly exited: Promise<number | null>
  private stderr = ''
  private readonly waiters = new Set<() => void>()

  /** @param startedAt performance.now() just before the spawn: whole-run times count process start. */
  private constructor (readonly child: ChildProcess, readonly startedAt: number) {
    let buf = ''
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      const at = performance.now()
      buf += d
      for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
        this.parse(buf.slice(0, nl), at)
        buf = buf.slice(nl + 1)
      }
      this.wakeAll()
    })
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { this.stderr += d })
    this.exited = new Promise(resolve => child.once('exit', code => {
      this.wakeAll()
      resolve(code)
    }))
  }

  static start (args: string[]): SwarmdropProcess {
    const startedAt = performance.now()
    return new SwarmdropProcess(spawnNode(BIN, args), startedAt)
  }

  /** A process already spawned (through cleanup.ts, so it is killed on exit) whose stdout is swarmdrop's. */
  static wrap (child: ChildProcess): SwarmdropProcess {
    return new SwarmdropProcess(child, performance.now())
  }

  get pid (): number {
    if (this.child.pid == null) throw new Error('swarmdrop did not start')
    return this.child.pid
  }

  find (event: string, match: (data: Json) => boolean = () => true): CliEvent | undefined {
    return this.events.find(e => e.data.event === event && match(e.data))
  }

  /** The first `event` line, waiting for it; throws if the process exits or errs first. */
  async waitFor (event: string, timeoutMs = 600_000): Promise<CliEvent> {
    return await this.waitForMatch(e => e.data.event === event, event, timeoutMs)
  }

  /** The first line `match` accepts, waiting for it; throws if the process exits or errs first. */
  async waitForMatch (match: (e: CliEvent) => boolean, event = 'a matching line', timeoutMs = 600_000): Promise<CliEvent> {
    const deadline = performance.now() + timeoutMs
    while (true) {
      const hit = this.events.find(match)
      if (hit != null) return hit
      const error = this.find('error')
      if (error != null) throw new Error(`swarmdrop failed before "${event}": ${String(error.data.message)}`)
      if (this.child.exitCode != null || this.child.signalCode != null) {
        throw new Error(`swarmdrop exited (${this.child.exitCode ?? this.child.signalCode}) before "${event}": ${this.stderr.trim()}`)
      }
      const left = deadline - performance.now()
      if (left <= 0) throw new Error(`timed out waiting for "${event}" from swarmdrop`)
      await new Promise<void>(resolve => {
        const t = setTimeout(done, left)
        function done (): void { clearTimeout(t); resolve() }
        this.waiters.add(done)
      })
    }
  }

  kill (): void {
    kill(this.child)
  }

  /** Asks it to stop (it exits cleanly, writing what node flags like --cpu-prof collect); killed if it has not after `ms`. */
  async stop (ms = 10_000): Promise<void> {
    if (this.child.exitCode != null || this.child.signalCode != null) return
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => { this.kill() }, ms)
    await this.exited
    clearTimeout(timer)
  }

  private parse (line: string, at: number): void {
    try {
      const data: unknown = JSON.parse(line)
      if (data != null && typeof data === 'object') this.events.push({ at, data: data as Json })
    } catch {
      // Only --json lines matter; anything else on stdout is ignored.
    }
  }

  private wakeAll (): void {
    for (const w of this.waiters) w()
    this.waiters.clear()
  }
}

export function num (data: Json, key: string): number {
  const v = data[key]
  if (typeof v !== 'number') throw new Error(`expected a number in "${key}" of ${JSON.stringify(data)}`)
  return v
}

export function str (data: Json, key: string): string {
  const v = data[key]
  if (typeof v !== 'string') throw new Error(`expected a string in "${key}" of ${JSON.stringify(data)}`)
  return v
}
