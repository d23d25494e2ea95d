import '../../src-main/engine/polyfills.js'
import { noise } from '@chainsafe/libp2p-noise'
import { identify } from '@libp2p/identify'
import type { Libp2p, Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { lpStream } from '@libp2p/utils'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { randomBytes } from 'node:crypto'
import { Uint8ArrayList } from 'uint8arraylist'
import { PROTOCOL as MANIFEST_PROTOCOL } from '../../src-main/engine/protocols/manifest/index.js'
import { decode, encode, PROTOCOL as PIECES_PROTOCOL } from '../../src-main/engine/protocols/pieces/index.js'

/**
 * How a hostile seeder misbehaves once a downloader asks it for pieces:
 * - oversized: announces a frame far past the piece cap;
 * - wrong: answers every request with random bytes of the right length;
 * - unrequested: pushes pieces nobody asked for;
 * - endless: floods `have` frames without end;
 * - drip: answers a request one byte a second;
 * - one-bad: serves the true data (given as `data`) except piece `badIndex`, which is always random.
 */
export type SeederMode = 'oversized' | 'wrong' | 'unrequested' | 'endless' | 'drip' | 'one-bad'

/** How a hostile downloader attacks a seeder: an oversized frame, a request flood, or a stream per millisecond. */
export type LeecherMode = 'oversized' | 'request-flood' | 'stream-flood'

export interface HostilePeer {
  node: Libp2p
  peerId: string
  addr: string
  stop: () => Promise<void>
}

async function startNode (): Promise<Libp2p> {
  return await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
  })
}

function peerOf (node: Libp2p): HostilePeer {
  const addr = node.getMultiaddrs()[0]!.toString()
  return { node, peerId: node.peerId.toString(), addr, stop: async () => { await node.stop() } }
}

/** A varint length prefix claiming `n` bytes. */
function lengthPrefix (n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128) }
  out.push(n)
  return Uint8Array.from(out)
}

/** A seeder that claims to have every piece of `manifestBytes`' share, then misbehaves as `mode` says. */
export async function hostileSeeder (manifestBytes: Uint8Array, pieceSize: number, pieceCount: number, mode: SeederMode, truth?: { data: Uint8Array, badIndex: number }): Promise<HostilePeer> {
  const node = await startNode()
  // It serves the true manifest (it is public, checked against the CID), so the downloader trusts it enough to ask for pieces.
  await node.handle(MANIFEST_PROTOCOL, async (stream: Stream) => {
    const lp = lpStream(stream)
    await lp.read()
    await lp.write(Uint8Array.from([0, ...manifestBytes]))
    await stream.close()
  })
  await node.handle(PIECES_PROTOCOL, async (stream: Stream) => {
    const lp = lpStream(stream, { maxDataLength: 1024 })
    try {
      decode(await lp.read())
      await lp.write(encode({ type: 'have-all' }))
      await lp.write(encode({ type: 'unchoke' }))
      const first = decode(await lp.read())
      const index = first.type === 'request' ? first.index : 0
      switch (mode) {
        case 'oversized':
          // 256 MiB announced, a little sent: the reader must refuse it from the prefix alone.
          stream.send(new Uint8ArrayList(lengthPrefix(256 * 1024 * 1024), randomBytes(64 * 1024)))
          break
        case 'wrong': {
          let next = first
          while (true) {
            if (next.type === 'request') await lp.write(encode({ type: 'piece', index: next.index, data: new Uint8ArrayList(randomBytes(pieceSize)) }))
            next = decode(await lp.read())
          }
        }
        case 'one-bad': {
          const { data, badIndex } = truth!
          let next = first
          while (true) {
            if (next.type === 'request') {
              const bytes = data.subarray(next.index * pieceSize, Math.min(data.byteLength, (next.index + 1) * pieceSize))
              await lp.write(encode({ type: 'piece', index: next.index, data: new Uint8ArrayList(next.index === badIndex ? randomBytes(bytes.byteLength) : bytes) }))
            }
            next = decode(await lp.read())
          }
        }
        case 'unrequested':
          for (let i = 0; i < pieceCount; i++) if (i !== index) await lp.write(encode({ type: 'piece', index: i, data: new Uint8ArrayList(randomBytes(pieceSize)) }))
          break
        case 'endless':
          for (let i = 0; ; i = (i + 1) % pieceCount) await lp.write(encode({ type: 'have', index: i }))
        case 'drip': {
          const frame = encode({ type: 'piece', index, data: new Uint8ArrayList(randomBytes(pieceSize)) })
          const bytes = new Uint8ArrayList(lengthPrefix(frame.byteLength), frame).subarray()
          for (const b of bytes) {
            stream.send(Uint8Array.of(b))
            await new Promise(resolve => setTimeout(resolve, 1000))
          }
        }
      }
      await new Promise(resolve => setTimeout(resolve, 120_000))
    } catch {
      // The honest side hung up on us, as it should.
    }
  }, { runOnLimitedConnection: true })
  await node.start()
  return peerOf(node)
}

/**
 * A downloader that connects to `seederAddr`, says hello for `cidBytes`, then attacks as `mode` says.
 * Resolves when the seeder has hung up, saying how: the name of the error the stream ended with
 * (`UnexpectedEOFError` when the seeder ended the stream), or `connection closed` when the whole
 * connection went first (lpStream then throws the close event, which is no Error).
 */
export async function hostileLeecher (seederAddr: string, cidBytes: Uint8Array, mode: LeecherMode): Promise<HostilePeer & { attack: () => Promise<string> }> {
  const node = await startNode()
  await node.start()
  const attack = async (): Promise<string> => {
    if (mode === 'stream-flood') {
      // Far past the per-protocol stream cap: the excess is reset, the seeder carries on.
      const opened = await Promise.allSettled(Array.from({ length: 200 }, async () => await node.dialProtocol(multiaddr(seederAddr), PIECES_PROTOCOL)))
      return `${opened.filter(r => r.status === 'fulfilled').length} streams opened`
    }
    const stream = await node.dialProtocol(multiaddr(seederAddr), PIECES_PROTOCOL)
    const lp = lpStream(stream, { maxDataLength: 8 * 1024 * 1024 })
    await lp.write(encode({ type: 'hello', cid: cidBytes }))
    decode(await lp.read())
    try {
      if (mode === 'oversized') {
        stream.send(new Uint8ArrayList(lengthPrefix(64 * 1024 * 1024), randomBytes(4096)))
      } else {
        for (let i = 0; i < 10_000; i++) await lp.write(encode({ type: 'request', index: 0 }))
      }
      while (true) decode(await lp.read({ signal: AbortSignal.timeout(30_000) }))
    } catch (err) {
      if (err instanceof Error) return err.name
      if (err instanceof Event && err.type === 'close') return 'connection closed'
      throw err
    }
  }
  return { ...peerOf(node), attack }
}
