import '../src-main/engine/polyfills.js'
import { multiaddr } from '@multiformats/multiaddr'
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { hashFilePieces } from '../src-main/engine/content/hasher.js'
import { choosePieceSize } from '../shared/manifest.js'
import { Cli, randomFile, ROOT, sha256File, table } from './proc.js'
import { benchNode, BENCH_PROTOCOL } from './stream-peer.js'

const PEER = fileURLToPath(new URL('./stream-peer.js', import.meta.url))

export interface TransferOptions {
  sizeMiB: number
}

interface Row { name: string, mbps: number, note?: string }

const mbps = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000)

/** Raw TCP between two Node processes: the ceiling for anything on this box. */
async function rawTcp (bytes: number): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as { port: number }).port
  const got = new Promise<number>(resolve => {
    server.once('connection', sock => {
      let n = 0
      const t0 = performance.now()
      sock.on('data', (d: Buffer) => { n += d.byteLength })
      sock.on('end', () => { resolve(mbps(n, performance.now() - t0)) })
    })
  })
  const child = spawn(process.execPath, [PEER, 'tcp-send', String(port), String(bytes)], { stdio: 'inherit' })
  const rate = await got
  child.kill()
  server.close()
  return rate
}

/** A bare libp2p stream between two processes, with one encrypter. */
async function bareStream (kind: string, bytes: number): Promise<number> {
  const child = spawn(process.execPath, [PEER, 'p2p-listen', kind, String(bytes)], { stdio: ['ignore', 'pipe', 'inherit'] })
  try {
    const [line] = await once(child.stdout!, 'data') as [Buffer]
    const node = await benchNode(kind, false)
    try {
      const t0 = performance.now()
      const stream = await node.dialProtocol(multiaddr(line.toString().trim()), BENCH_PROTOCOL)
      let n = 0
      // Count bytes as they are delivered: an async iterator here buffers, and past the
      // stream's read-buffer cap yamux resets it (seen at 1 GiB).
      await new Promise<void>((resolve, reject) => {
        stream.addEventListener('message', evt => { n += evt.data.byteLength })
        stream.addEventListener('remoteCloseWrite', () => { resolve() })
        stream.addEventListener('close', evt => { if (evt.error != null) reject(evt.error); else resolve() })
      })
      const rate = mbps(n, performance.now() - t0)
      if (n !== bytes) throw new Error(`bare ${kind} stream delivered ${n} of ${bytes} bytes`)
      return rate
    } finally {
      await node.stop()
    }
  } finally {
    child.kill()
  }
}

/** Reads VmHWM (peak resident set) of a process, in bytes. */
async function peakRss (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  const m = /VmHWM:\s+(\d+) kB/.exec(status)
  return m == null ? 0 : Number(m[1]) * 1024
}

/** The real thing: `swarmdrop share` in one process, `swarmdrop get` in another. */
async function swarmdrop (dir: string, file: string, hash: string, bytes: number): Promise<{ total: number, transfer: number, verified: number, rss: number }> {
  const common = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--json']
  const seeder = Cli.run(['share', file, '--data', join(dir, 'seed'), ...common])
  try {
    const link = String((await seeder.waitFor('sharing')).link)
    const t0 = performance.now()
    const getter = Cli.run(['get', link, '--out', join(dir, 'out'), '--data', join(dir, 'get'), ...common, '--progress-interval', '50'])
    let rss = 0
    // VmHWM only grows; poll it until the process is gone, keeping the last reading.
    const poll = setInterval(() => { void peakRss(getter.child.pid!).then(r => { if (r > rss) rss = r }) }, 50)
    const done = await getter.waitFor('done')
    const first = getter.lines.find(l => l.event === 'progress' && (l.bytes as number) > 0)
    const last = getter.lines.find(l => l.event === 'progress' && l.bytes === bytes)
    rss = Math.max(rss, await peakRss(getter.child.pid!))
    clearInterval(poll)
    await getter.exited
    const end = done._at as number
    if (await sha256File(join(dir, 'out', 'file.bin')) !== hash) throw new Error('swarmdrop delivered a different file')
    // Progress lines come every 50 ms, so `first` is up to 50 ms late; `total` includes startup.
    // `verified` stops at the last piece verified and written, before the final fsync and rename.
    const from = first == null ? t0 : (first._at as number) - 50
    return { total: mbps(bytes, end - t0), transfer: mbps(bytes, end - from), verified: last == null ? 0 : mbps(bytes, (last._at as number) - from), rss }
  } finally {
    seeder.kill()
  }
}

async function hashing (file: string, bytes: number): Promise<{ engine: number, rawFile: number, rawMemory: number }> {
  const pieceSize = choosePieceSize(bytes)
  await hashFilePieces(file, bytes, pieceSize) // warm the page cache
  let t0 = performance.now()
  await hashFilePieces(file, bytes, pieceSize)
  const engine = mbps(bytes, performance.now() - t0)

  t0 = performance.now()
  const fh = await open(file, 'r')
  const buf = Buffer.allocUnsafe(1024 * 1024)
  const h = createHash('sha256')
  for (let pos = 0; pos < bytes;) {
    const { bytesRead } = await fh.read(buf, 0, buf.byteLength, pos)
    h.update(buf.subarray(0, bytesRead))
    pos += bytesRead
  }
  h.digest()
  await fh.close()
  const rawFile = mbps(bytes, performance.now() - t0)

  const mem = Buffer.alloc(1024 * 1024, 1)
  t0 = performance.now()
  const h2 = createHash('sha256')
  for (let pos = 0; pos < bytes; pos += mem.byteLength) h2.update(mem)
  h2.digest()
  return { engine, rawFile, rawMemory: mbps(bytes, performance.now() - t0) }
}

export async function runTransfer (opts: TransferOptions): Promise<void> {
  const bytes = opts.sizeMiB * 1024 * 1024
  const dir = await mkdtemp(join(tmpdir(), 'swarmdrop-bench-transfer-'))
  try {
    const file = join(dir, 'file.bin')
    process.stderr.write(`writing a ${opts.sizeMiB} MiB random file…\n`)
    const hash = await randomFile(file, bytes)
    const rows: Row[] = []
    const step = async (name: string, fn: () => Promise<number>, note?: string): Promise<number> => {
      process.stderr.write(`  ${name}…\n`)
      const v = await fn()
      rows.push({ name, mbps: v, ...(note != null ? { note } : {}) })
      return v
    }
    const tcp = await step('raw TCP (2 processes)', async () => await rawTcp(bytes))
    // A single yamux stream carrying more than ~512 MiB was reset by the sending side here
    // (libp2p 3.3 / yamux 8.0); the bare rows then use 256 MiB, which is plenty for a rate.
    const bare = async (kind: string): Promise<number> => {
      try {
        return await bareStream(kind, bytes)
      } catch (err) {
        process.stderr.write(`    bare ${kind} stream at full size failed (${(err as Error).message}); measuring 256 MiB\n`)
        return await bareStream(kind, Math.min(bytes, 256 * 1024 * 1024))
      }
    }
    const tlsBare = await step('libp2p stream, TLS', async () => await bare('tls'))
    const noiseBare = await step('libp2p stream, Noise', async () => await bare('noise'))
    await step('libp2p stream, Noise (WASM cipher, as in Electron)', async () => await bare('noise-wasm'))
    process.stderr.write('  swarmdrop share -> get…\n')
    const sd = await swarmdrop(dir, file, hash, bytes)
    rows.push({ name: 'swarmdrop get (TLS), whole run', mbps: sd.total, note: 'includes process start, dial, manifest' })
    rows.push({ name: 'swarmdrop get (TLS), transfer', mbps: sd.transfer, note: 'first piece to done (incl. final fsync)' })
    rows.push({ name: 'swarmdrop get (TLS), pieces', mbps: sd.verified, note: 'first piece to last piece verified' })
    const h = await hashing(file, bytes)
    rows.push({ name: 'share hashing (engine)', mbps: h.engine })
    rows.push({ name: 'SHA-256 of the file, raw crypto', mbps: h.rawFile })
    rows.push({ name: 'SHA-256 in memory, raw crypto', mbps: h.rawMemory })

    const targets = [
      { what: 'swarmdrop transfer / bare libp2p TLS stream', value: sd.transfer / tlsBare, target: '>= 0.80', ok: sd.transfer / tlsBare >= 0.8 },
      { what: 'swarmdrop pieces (before final fsync) / bare TLS', value: sd.verified / tlsBare, target: '', ok: true },
      { what: 'swarmdrop transfer / raw TCP', value: sd.transfer / tcp, target: '', ok: true },
      { what: 'bare TLS / bare Noise', value: tlsBare / noiseBare, target: '', ok: true },
      { what: 'downloader peak RSS (MB)', value: sd.rss / 1e6, target: '< 200', ok: sd.rss / 1e6 < 200 },
      { what: 'share hashing / raw SHA-256 of the file', value: h.engine / h.rawFile, target: '>= 0.70', ok: h.engine / h.rawFile >= 0.7 }
    ]
    process.stdout.write(`\nTransfer of ${opts.sizeMiB} MiB on 127.0.0.1 (one run, side by side)\n\n`)
    process.stdout.write(table(['measurement', 'MB/s', 'note'], rows.map(r => [r.name, r.mbps.toFixed(0), r.note ?? ''])) + '\n\n')
    process.stdout.write(table(['ratio', 'value', 'target', ''], targets.map(t => [t.what, t.value.toFixed(2), t.target, t.target === '' ? '' : t.ok ? 'PASS' : 'MISS'])) + '\n')
    const out = join(ROOT, 'bench', 'results', `transfer-${Date.now()}.json`)
    await mkdir(join(ROOT, 'bench', 'results'), { recursive: true })
    await writeFile(out, JSON.stringify({ suite: 'transfer', at: new Date().toISOString(), bytes, rows, targets, downloaderPeakRssBytes: sd.rss }, null, 2))
    process.stdout.write(`JSON: ${out}\n`)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
