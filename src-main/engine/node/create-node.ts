import { noise } from '@chainsafe/libp2p-noise'
import { identify } from '@libp2p/identify'
import type { ConnectionEncrypter, PeerId, PrivateKey } from '@libp2p/interface'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { tls } from '@libp2p/tls'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import type { ContentLookup } from '../content/library.js'
import { manifestService, type ManifestService } from '../protocols/manifest/service.js'
import { pieceExchange, type PieceExchange } from '../protocols/pieces/exchange.js'
import type { UploadObserver } from '../protocols/pieces/uploader.js'
import { DEFAULT_ENCRYPTERS, DIAL_TIMEOUT_MS, INBOUND_UPGRADE_TIMEOUT_MS, MAX_CONNECTIONS, MAX_INCOMING_PENDING, MAX_STREAM_WRITE_BUFFER, STREAM_WINDOW, type Encrypter } from './constants.js'

export type NodeServices = {
  identify: unknown
  ping: unknown
  manifest: ManifestService
  pieces: PieceExchange
}

export type SwarmNode = Libp2p<NodeServices>

export interface NodeOptions {
  privateKey: PrivateKey
  listen: string[]
  content: ContentLookup
  isBanned: (peerId: string) => boolean
  uploads?: UploadObserver
  /** Order of preference; peers that speak only one still connect. */
  encrypters?: Encrypter[]
}

export async function createNode (opts: NodeOptions): Promise<SwarmNode> {
  const denied = (peer: PeerId): boolean => opts.isBanned(peer.toString())
  const encrypters = (opts.encrypters ?? DEFAULT_ENCRYPTERS).map(e => e === 'tls' ? tls() : noise())
  return await createLibp2p({
    privateKey: opts.privateKey,
    addresses: { listen: opts.listen },
    transports: [tcp()],
    connectionEncrypters: encrypters as Array<() => ConnectionEncrypter>,
    streamMuxers: [yamux({
      streamOptions: {
        initialStreamWindowSize: STREAM_WINDOW,
        maxStreamWindowSize: STREAM_WINDOW,
        maxWriteBufferLength: MAX_STREAM_WRITE_BUFFER
      }
    })],
    connectionManager: {
      maxConnections: MAX_CONNECTIONS,
      maxIncomingPendingConnections: MAX_INCOMING_PENDING,
      dialTimeout: DIAL_TIMEOUT_MS,
      inboundUpgradeTimeout: INBOUND_UPGRADE_TIMEOUT_MS
    },
    connectionGater: {
      // Private and loopback addresses are fine: LAN sharing is a main use.
      denyDialMultiaddr: () => false,
      denyDialPeer: denied,
      denyInboundEncryptedConnection: denied,
      denyOutboundEncryptedConnection: denied
    },
    services: {
      identify: identify(),
      ping: ping(),
      manifest: manifestService({ content: opts.content }),
      pieces: pieceExchange({ content: opts.content, observer: opts.uploads })
    }
  }) as SwarmNode
}
