import '../src-main/engine/polyfills.js'
import { noise } from '@chainsafe/libp2p-noise'
import { asCrypto, defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import type { ConnectionEncrypter, Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { tls } from '@libp2p/tls'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import { MAX_STREAM_WRITE_BUFFER, STREAM_WINDOW } from '../src-main/engine/node/constants.js'

/**
 * The engine's transport stack (TCP + yamux with its window sizes) with
 * exactly one encrypter and nothing else: no identify, DHT or pubsub, so a
 * bare stream shows what the transport alone can do.
 */
export const ENCRYPTERS = ['tls', 'noise', 'noise-wasm'] as const
export type EncrypterKind = typeof ENCRYPTERS[number]

export const BENCH_PROTOCOL = '/swarmdrop-bench/stream/1.0.0'
export const LOOPBACK_LISTEN = '/ip4/127.0.0.1/tcp/0'

/** 64 KiB: what a TCP socket typically hands over per read, and a fair frame size for yamux. */
const SEND_CHUNK = 64 * 1024
/**
 * One 'drain' only means some room came back (a yamux window update fires it
 * even while the TLS socket below is still full), so a writer that sends a
 * chunk per drain can outrun the wire and hit MAX_STREAM_WRITE_BUFFER, which
 * resets the stream. Measured: a 1 GiB TLS stream was reset at ~500 MB.
 * The writer waits until what is buffered falls below this instead.
 */
const WRITE_LOW_WATER = 1024 * 1024

export function isEncrypterKind (s: string | undefined): s is EncrypterKind {
  return (ENCRYPTERS as readonly string[]).includes(s ?? '')
}

function encrypter (kind: EncrypterKind): () => ConnectionEncrypter {
  if (kind === 'tls') return tls() as () => ConnectionEncrypter
  // Electron's main process has no native ChaCha20-Poly1305, so Noise falls back to this WASM cipher.
  if (kind === 'noise-wasm') return noise({ crypto: { ...defaultCrypto, ...asCrypto } }) as () => ConnectionEncrypter
  return noise() as () => ConnectionEncrypter
}

export async function benchNode (kind: EncrypterKind, listen: boolean): Promise<Libp2p> {
  return await createLibp2p({
    addresses: { listen: listen ? [LOOPBACK_LISTEN] : [] },
    transports: [tcp()],
    connectionEncrypters: [encrypter(kind)],
    streamMuxers: [yamux({
      streamOptions: {
        initialStreamWindowSize: STREAM_WINDOW,
        maxStreamWindowSize: STREAM_WINDOW,
        maxWriteBufferLength: MAX_STREAM_WRITE_BUFFER
      }
    })],
    // libp2p refuses to dial loopback by default; the benchmark uses nothing else.
    connectionGater: { denyDialMultiaddr: () => false }
  })
}

function nextDrain (stream: Stream): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = (): void => { stream.removeEventListener('close', onClose); resolve() }
    const onClose = (): void => { stream.removeEventListener('drain', onDrain); reject(new Error('stream closed while waiting for drain')) }
    stream.addEventListener('drain', onDrain, { once: true })
    stream.addEventListener('close', onClose, { once: true })
  })
}

/** Sends `bytes` bytes on `stream` with backpressure, then closes the writable end. */
export async function sendAll (stream: Stream, bytes: number): Promise<void> {
  const chunk = new Uint8Array(SEND_CHUNK).fill(7)
  for (let sent = 0; sent < bytes; sent += SEND_CHUNK) {
    if (stream.send(chunk.subarray(0, Math.min(SEND_CHUNK, bytes - sent)))) continue
    do {
      await nextDrain(stream)
      // The stream's own drain handler flushes in a microtask; let it run before looking.
      await new Promise(resolve => setImmediate(resolve))
    } while (stream.writeBufferLength > WRITE_LOW_WATER && stream.writableNeedsDrain)
  }
  await stream.close()
}
