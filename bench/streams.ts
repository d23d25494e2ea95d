import '../src-main/engine/polyfills.js'
import type { ChildProcess } from 'node:child_process'
import { multiaddr } from '@multiformats/multiaddr'
import type { Stream } from '@libp2p/interface'
import { once } from 'node:events'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { kill, spawnNode } from './cleanup.js'
import { mbps } from './report.js'
import { BENCH_PROTOCOL, benchNode, type EncrypterKind } from './stack.js'

const SENDER = fileURLToPath(new URL('./sender.js', import.meta.url))

/**
 * Returns a guard that makes a promise reject if the child fails first (with
 * its stderr), so a dead sender fails the run instead of hanging it. A clean
 * exit is not a failure: the TCP sender exits as soon as it has sent.
 */
function guardChild (child: ChildProcess, what: string): <T>(p: Promise<T>) => Promise<T> {
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  const died = new Promise<never>((_resolve, reject) => {
    child.once('exit', (code, signal) => {
      if (code !== 0) reject(new Error(`${what}: sender exited early (${code ?? signal}): ${stderr.trim()}`))
    })
  })
  died.catch(() => {})
  return async p => await Promise.race([p, died])
}

function countUntilEnd (sock: Socket): Promise<{ bytes: number, ms: number }> {
  const t0 = performance.now()
  let bytes = 0
  sock.on('data', (d: Buffer) => { bytes += d.byteLength })
  return new Promise((resolve, reject) => {
    sock.once('end', () => { resolve({ bytes, ms: performance.now() - t0 }) })
    sock.once('error', reject)
  })
}

/** Raw TCP between two Node processes on 127.0.0.1: the ceiling for anything else here. */
export async function rawTcp (bytes: number): Promise<number> {
  const server = createServer()
  try {
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    const received = once(server, 'connection').then(async ([sock]) => await countUntilEnd(sock as Socket))
    const child = spawnNode(SENDER, ['tcp', String(port), String(bytes)])
    try {
      const got = await guardChild(child, 'raw TCP')(received)
      if (got.bytes !== bytes) throw new Error(`raw TCP delivered ${got.bytes} of ${bytes} bytes`)
      return mbps(bytes, got.ms)
    } finally {
      kill(child)
    }
  } finally {
    server.close()
  }
}

async function firstLine (child: ChildProcess): Promise<string> {
  let buf = ''
  for await (const d of child.stdout!.setEncoding('utf8')) {
    buf += d as string
    const nl = buf.indexOf('\n')
    if (nl !== -1) return buf.slice(0, nl).trim()
  }
  throw new Error('sender closed stdout without printing its address')
}

/**
 * Counts bytes as 'message' events deliver them. An async iterator over the
 * stream would buffer instead, and this receiver only counts.
 */
function countStream (stream: Stream): Promise<number> {
  let n = 0
  return new Promise((resolve, reject) => {
    stream.addEventListener('message', evt => { n += evt.data.byteLength })
    stream.addEventListener('remoteCloseWrite', () => { resolve(n) })
    stream.addEventListener('close', evt => { if (evt.error != null) reject(evt.error); else resolve(n) })
  })
}

/**
 * One libp2p stream from a child sender to this process, one encrypter. Timed
 * from the stream being open to the sender's close, so dial and handshake
 * (a few ms) are left out, as they are from swarmdrop's transfer time.
 */
export interface BareStreamResult {
  mbps: number
  /** This process's CPU (user + system) while it received, per GiB: the receiver's cost of the stack alone. */
  cpuSecPerGiB: number
}

export async function bareStream (kind: EncrypterKind, bytes: number): Promise<BareStreamResult> {
  const child = spawnNode(SENDER, ['libp2p', kind, String(bytes)])
  try {
    const guard = guardChild(child, `libp2p ${kind}`)
    const addr = await guard(firstLine(child))
    const node = await benchNode(kind, false)
    try {
      const stream = await node.dialProtocol(multiaddr(addr), BENCH_PROTOCOL)
      const t0 = performance.now()
      const cpu0 = process.cpuUsage()
      const n = await guard(countStream(stream))
      const ms = performance.now() - t0
      const cpu = process.cpuUsage(cpu0)
      if (n !== bytes) throw new Error(`libp2p ${kind} stream delivered ${n} of ${bytes} bytes`)
      return { mbps: mbps(bytes, ms), cpuSecPerGiB: (cpu.user + cpu.system) / 1e6 / (bytes / 1024 ** 3) }
    } finally {
      await node.stop()
    }
  } finally {
    kill(child)
  }
}
