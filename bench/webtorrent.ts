import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { once } from 'node:events'
import { kill, spawnNode } from './cleanup.js'
import { verifyFile } from './files.js'
import { ROOT } from './report.js'

/**
 * WebTorrent 3 beside swarmdrop: the client people would pick instead, on the
 * same file over 127.0.0.1, so the figure they compare is in our own table.
 * It lives in bench/webtorrent/ with its own package.json (two overrides make
 * it install on Node 20 without a native WebRTC build) and is installed on
 * first use: it is never part of the app or of `npm ci`.
 */
const HERE = join(ROOT, 'bench', 'webtorrent')

export interface WebTorrentResult {
  /** Spawning the leecher to its exit after `done` (metadata, transfer; WebTorrent never fsyncs). */
  wholeMBps: number
}

/** Installs WebTorrent into bench/webtorrent/ if it is not there; null when it cannot be (the reason instead). */
export function webTorrentUnavailable (): string | null {
  if (existsSync(join(HERE, 'node_modules', 'webtorrent'))) return null
  process.stderr.write('  installing WebTorrent 3 into bench/webtorrent/ (first use)...\n')
  try {
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: HERE, stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 })
    return null
  } catch (err) {
    return `could not install WebTorrent: ${(err as Error).message}`
  }
}

/** A WebTorrent seeder of `file`, then one leecher of it timed from spawn to exit; the copy is checked. */
export async function webTorrentOnce (dir: string, file: string, size: number, sha256: string): Promise<WebTorrentResult> {
  await mkdir(dir, { recursive: true })
  const seeder = spawnNode(join(HERE, 'seed.mjs'), [file])
  try {
    const ready = await firstLine(seeder, 300_000)
    const { magnet, port } = JSON.parse(ready) as { magnet: string, port: number }
    const out = join(dir, 'out')
    const t0 = performance.now()
    const leecher = spawnNode(join(HERE, 'leech.mjs'), [magnet, `127.0.0.1:${port}`, out])
    let stderr = ''
    leecher.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
    const [code] = await once(leecher, 'exit') as [number | null]
    const ms = performance.now() - t0
    if (code !== 0) throw new Error(`the WebTorrent leecher exited with ${code}: ${stderr.trim()}`)
    await verifyFile('WebTorrent leecher', join(out, basename(file)), size, sha256)
    return { wholeMBps: size / 1e6 / (ms / 1000) }
  } finally {
    kill(seeder)
  }
}

async function firstLine (child: ReturnType<typeof spawnNode>, timeoutMs: number): Promise<string> {
  return await new Promise((resolve, reject) => {
    let buf = ''
    const timer = setTimeout(() => { reject(new Error('the WebTorrent seeder did not become ready')) }, timeoutMs)
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString()
      const nl = buf.indexOf('\n')
      if (nl !== -1) { clearTimeout(timer); resolve(buf.slice(0, nl)) }
    })
    child.once('exit', code => { clearTimeout(timer); reject(new Error(`the WebTorrent seeder exited with ${code}`)) })
  })
}
