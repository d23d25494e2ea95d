/**
 * The sending side of the raw TCP and bare libp2p rows, run as its own
 * process so sender and receiver do not share one event loop (they never do
 * in real use):
 *   node sender.js tcp <port> <bytes>      connect to 127.0.0.1:<port>, send, exit
 *   node sender.js libp2p <kind> <bytes>   listen on 127.0.0.1, print the multiaddr,
 *                                          send <bytes> on the first bench stream
 */
import '../src-main/engine/polyfills.js'
import { once } from 'node:events'
import { connect } from 'node:net'
import { BENCH_PROTOCOL, benchNode, isEncrypterKind, sendAll } from './stack.js'

const TCP_CHUNK = 1024 * 1024

async function sendTcp (port: number, bytes: number): Promise<void> {
  const sock = connect(port, '127.0.0.1')
  await once(sock, 'connect')
  const chunk = Buffer.alloc(TCP_CHUNK, 7)
  for (let sent = 0; sent < bytes; sent += TCP_CHUNK) {
    if (!sock.write(chunk.subarray(0, Math.min(TCP_CHUNK, bytes - sent)))) await once(sock, 'drain')
  }
  await new Promise<void>(resolve => { sock.end(resolve) })
}

async function serveLibp2p (kind: string | undefined, bytes: number): Promise<void> {
  if (!isEncrypterKind(kind)) throw new Error(`unknown encrypter "${kind}"`)
  const node = await benchNode(kind, true)
  await node.handle(BENCH_PROTOCOL, async stream => { await sendAll(stream, bytes) })
  const addr = node.getMultiaddrs()[0]
  if (addr == null) throw new Error('libp2p node has no listen address')
  // The parent reads this line to dial us; it kills us when it has the bytes.
  process.stdout.write(`${addr.toString()}\n`)
}

function positiveInt (s: string | undefined, what: string): number {
  const n = Number(s)
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`bad ${what} "${s}"`)
  return n
}

async function main (argv: string[]): Promise<void> {
  const [mode, target, size] = argv
  const bytes = positiveInt(size, 'byte count')
  if (mode === 'tcp') {
    await sendTcp(positiveInt(target, 'port'), bytes)
    process.exit(0)
  } else if (mode === 'libp2p') {
    await serveLibp2p(target, bytes)
  } else {
    throw new Error(`unknown mode "${mode}"`)
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`bench sender: ${err instanceof Error ? err.stack : String(err)}\n`)
  process.exit(1)
})
