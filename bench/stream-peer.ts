/**
 * One side of the bare-stream benchmarks, run as its own process:
 *   tcp-send <port> <bytes>          connect to 127.0.0.1:<port> and send <bytes>
 *   p2p-listen <tls|noise|noise-wasm> <bytes>
 *       start a libp2p node with the engine's transport stack and that one
 *       encrypter, print its address, send <bytes> on the first stream opened
 */
import '../src-main/engine/polyfills.js'
import { noise } from '@chainsafe/libp2p-noise'
import { asCrypto, defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import type { ConnectionEncrypter, Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { tls } from '@libp2p/tls'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import { connect } from 'node:net'
import { MAX_STREAM_WRITE_BUFFER, STREAM_WINDOW } from '../src-main/engine/node/constants.js'

export const BENCH_PROTOCOL = '/swarmdrop-bench/stream/1.0.0'
const CHUNK = 64 * 1024

export function encrypter (kind: string): () => ConnectionEncrypter {
  if (kind === 'tls') return tls() as () => ConnectionEncrypter
  // Electron's main process has no native ChaCha20-Poly1305, so Noise falls back to this WASM cipher.
  if (kind === 'noise-wasm') return noise({ crypto: { ...defaultCrypto, ...asCrypto } }) as () => ConnectionEncrypter
  return noise() as () => ConnectionEncrypter
}

export async function benchNode (kind: string, listen: boolean): Promise<Libp2p> {
  return await createLibp2p({
    addresses: { listen: listen ? ['/ip4/127.0.0.1/tcp/0'] : [] },
    transports: [tcp()],
    connectionEncrypters: [encrypter(kind)],
    streamMuxers: [yamux({ streamOptions: { initialStreamWindowSize: STREAM_WINDOW, maxStreamWindowSize: STREAM_WINDOW, maxWriteBufferLength: MAX_STREAM_WRITE_BUFFER } })],
    connectionGater: { denyDialMultiaddr: () => false }
  })
}

async function sendOnStream (stream: Stream, bytes: number): Promise<void> {
  const chunk = new Uint8Array(CHUNK).fill(7)
  for (let sent = 0; sent < bytes; sent += CHUNK) {
    if (!stream.send(chunk.subarray(0, Math.min(CHUNK, bytes - sent)))) {
      await new Promise<void>(resolve => stream.addEventListener('drain', () => { resolve() }, { once: true }))
    }
  }
  await stream.close()
}

async function main (): Promise<void> {
  const [mode, a, b] = process.argv.slice(2)
  if (mode === 'tcp-send') {
    const bytes = Number(b)
    const sock = connect(Number(a), '127.0.0.1')
    const chunk = Buffer.alloc(1024 * 1024, 7)
    await new Promise<void>(resolve => sock.once('connect', () => { resolve() }))
    for (let sent = 0; sent < bytes; sent += chunk.byteLength) {
      if (!sock.write(chunk.subarray(0, Math.min(chunk.byteLength, bytes - sent)))) await new Promise<void>(resolve => sock.once('drain', () => { resolve() }))
    }
    sock.end(() => process.exit(0))
    return
  }
  if (mode === 'p2p-listen') {
    const node = await benchNode(a!, true)
    const bytes = Number(b)
    await node.handle(BENCH_PROTOCOL, async stream => {
      await sendOnStream(stream, bytes)
    })
    process.stdout.write(`${node.getMultiaddrs()[0]!.toString()}\n`)
    return
  }
  throw new Error(`unknown mode ${mode}`)
}

if (process.argv[1]?.endsWith('stream-peer.js') === true) {
  main().catch(err => { process.stderr.write(`${(err as Error).stack}\n`); process.exit(1) })
}
