import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Repository root, from dist/bench/ or bench/. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), import.meta.url.includes('/dist/') ? '../..' : '..')
export const BIN = join(ROOT, 'bin', 'swarmdrop.js')

export type Json = Record<string, unknown>

/** A `swarmdrop` process whose JSON lines are collected as they arrive. */
export class Cli {
  readonly lines: Json[] = []
  readonly started = performance.now()
  readonly exited: Promise<number | null>
  stderr = ''
  private wake: Array<() => void> = []

  constructor (readonly child: ChildProcess) {
    let buf = ''
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d
      let nl
      while ((nl = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        try { this.lines.push({ ...(JSON.parse(line) as Json), _at: performance.now() }) } catch { /* not JSON */ }
        for (const w of this.wake.splice(0)) w()
      }
    })
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { this.stderr += d })
    this.exited = new Promise(resolve => child.on('exit', code => {
      for (const w of this.wake.splice(0)) w()
      resolve(code)
    }))
  }

  static run (args: string[]): Cli {
    return new Cli(spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }))
  }

  async waitFor (event: string, timeoutMs = 600_000): Promise<Json> {
    const end = performance.now() + timeoutMs
    while (true) {
      const hit = this.lines.find(l => l.event === event)
      if (hit != null) return hit
      if (this.child.exitCode != null) throw new Error(`swarmdrop exited (${this.child.exitCode}) before "${event}": ${this.stderr.trim()}`)
      if (performance.now() > end) throw new Error(`timed out waiting for "${event}"`)
      await new Promise<void>(resolve => { const t = setTimeout(resolve, 500); this.wake.push(() => { clearTimeout(t); resolve() }) })
    }
  }

  kill (): void {
    if (this.child.exitCode == null && this.child.signalCode == null) this.child.kill('SIGKILL')
  }
}

export async function randomFile (path: string, size: number): Promise<string> {
  const out = createWriteStream(path)
  const h = createHash('sha256')
  for (let left = size; left > 0;) {
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
  for await (const c of createReadStream(path)) h.update(c as Buffer)
  return h.digest('hex')
}

/** Prints rows as an aligned table. */
export function table (header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map(r => r.map(String))]
  const widths = header.map((_, i) => Math.max(...cells.map(r => (r[i] ?? '').length)))
  return cells.map((r, n) => {
    const line = r.map((c, i) => i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)).join('  ')
    return n === 0 ? `${line}\n${widths.map(w => '-'.repeat(w)).join('  ')}` : line
  }).join('\n')
}
