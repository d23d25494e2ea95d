import { noise } from '@chainsafe/libp2p-noise'
import { circuitRelayServer, circuitRelayTransport, type CircuitRelayService } from '@libp2p/circuit-relay-v2'
import { dcutr } from '@libp2p/dcutr'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { identify, identifyPush } from '@libp2p/identify'
import { kadDHT, passthroughMapper, removePrivateAddressesMapper, type KadDHT } from '@libp2p/kad-dht'
import { mdns } from '@libp2p/mdns'
import type { ConnectionEncrypter, PeerId, PrivateKey } from '@libp2p/interface'
import { ping, type Ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { tls } from '@libp2p/tls'
import { webRTC } from '@libp2p/webrtc'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import type { ContentLookup } from '../content/library.js'
import { dialBackService, type DialBackLimits, type DialBackService } from '../protocols/dialback/index.js'
import { catalogService, type CatalogInit, type CatalogLimits, type CatalogService } from '../protocols/catalog/index.js'
import { manifestService, type ManifestLimits, type ManifestService } from '../protocols/manifest/index.js'
import { pexService, type PexInit, type PexLimits, type PexService } from '../protocols/pex/index.js'
import { pieceExchange, type PieceExchange, type PiecesLimits, type UploadPolicy } from '../protocols/pieces/index.js'
import { storeService, type StoreInit, type StoreProtocolLimits, type StoreService } from '../protocols/store/index.js'
import { trackerService, type TrackerInit, type TrackerLimits, type TrackerService } from '../protocols/tracker/index.js'
import type { Multiaddr } from '@multiformats/multiaddr'
import { dialOrder, isPunched } from '../base/addresses.js'
import { hubFinder, type HubFinder, type HubFinderInit } from './hub-finder.js'
import { selfAddresses, type SelfAddresses } from './self-addresses.js'
import { ADDRESS_DIAL_TIMEOUT_MS, DEFAULT_ENCRYPTERS, DIAL_TIMEOUT_MS, INBOUND_UPGRADE_TIMEOUT_MS, MAX_CONNECTIONS, MAX_INCOMING_PENDING, INBOUND_PER_HOST_PER_SECOND, MAX_PUBSUB_FRAME, MAX_PUBSUB_OUTBOUND_BUFFER, MAX_PUBSUB_TOPIC_BYTES_PER_PEER, MAX_STREAM_WRITE_BUFFER, MDNS_SERVICE_TAG, PING_INTERVAL_MS, PING_STREAMS, PING_TIMEOUT, PRIVATE_DHT_PROTOCOL, PUBLIC_DHT_PROTOCOL, STREAM_WINDOW, type Encrypter } from './constants.js'

export type NodeServices = {
  identify: unknown
  identifyPush: unknown
  ping: Ping
  dht: KadDHT
  publicDht?: KadDHT
  pubsub: GossipSub
  manifest: ManifestService
  pieces: PieceExchange
  catalog: CatalogService
  pex: PexService
  tracker: TrackerService
  store: StoreService
  dialback: DialBackService
  selfAddresses: SelfAddresses
  dcutr: unknown
  relay?: CircuitRelayService
  hubFinder: HubFinder
}

export type SwarmNode = Libp2p<NodeServices>

/** Overrides of each protocol's defaults (its constants.ts); tests shorten timeouts this way. */
export interface ProtocolLimits {
  manifest?: Partial<ManifestLimits>
  pieces?: Partial<PiecesLimits>
  catalog?: Partial<CatalogLimits>
  pex?: Partial<PexLimits>
  tracker?: Partial<TrackerLimits>
  store?: Partial<StoreProtocolLimits>
  dialback?: Partial<DialBackLimits>
}

/** What serving circuit relay needs of a hub: its limits, and a yes or no for each relayed connection (charged to a byte budget). */
export interface RelayGate {
  limits: { maxReservations: number, connectionBytes: number, connectionMs: number }
  allow: (src: string, dst: string) => boolean
}

export interface NodeOptions {
  privateKey: PrivateKey
  listen: string[]
  content: ContentLookup
  isBanned: (peerId: string) => boolean
  uploads?: UploadPolicy
  /** Order of preference; peers that speak only one still connect. */
  encrypters?: Encrypter[]
  catalog: CatalogInit
  pex: PexInit
  /** Find peers on the LAN by multicast DNS. */
  mdns?: boolean
  /** Also join the public IPFS Amino DHT. */
  publicDht?: boolean
  tracker?: TrackerInit
  store?: StoreInit
  protocolLimits?: ProtocolLimits
  /** A hub: serve circuit relay v2 within these limits (the hub's RelayBudget). */
  relay?: RelayGate
  /** A remote peer broke one of our protocols (scored by the engine). */
  onViolation?: (peer: PeerId, err: Error) => void
  /** A hub without a DHT server (kept for tests of the tracker fallback): its DHT only asks. */
  dhtClientOnly?: boolean
  /** Use a peer that turns out to be a hub as ours (absent: never). */
  hubFinder?: HubFinderInit
  /**
   * Hole punching over WebRTC (ICE over UDP), signalled through the hub's
   * relay: the STUN servers to ask, read at each dial (the hub may be found
   * after start). Absent: no WebRTC (a hub, which only relays the signalling).
   */
  webrtc?: { stunServers: () => string[], mayPunch: (addr: Multiaddr) => boolean }
}

export async function createNode (opts: NodeOptions): Promise<SwarmNode> {
  const denied = (peer: PeerId): boolean => opts.isBanned(peer.toString())
  const encrypters = (opts.encrypters ?? DEFAULT_ENCRYPTERS).map(e => e === 'tls' ? tls() : noise())
  const limits = opts.protocolLimits ?? {}
  return await createLibp2p({
    privateKey: opts.privateKey,
    addresses: { listen: opts.listen },
    // Circuit relay as a client on every node: when no direct route exists, a hub relays.
    transports: [
      tcp(),
      circuitRelayTransport(),
      ...(opts.webrtc != null ? [webRTC({ rtcConfiguration: () => ({ iceServers: opts.webrtc!.stunServers().map(urls => ({ urls })) }) })] : [])
    ],
    connectionEncrypters: encrypters as Array<() => ConnectionEncrypter>,
    streamMuxers: [yamux({
      streamOptions: {
        initialStreamWindowSize: STREAM_WINDOW,
        maxStreamWindowSize: STREAM_WINDOW,
        maxWriteBufferLength: MAX_STREAM_WRITE_BUFFER
      }
    })],
    connectionMonitor: { pingInterval: PING_INTERVAL_MS, pingTimeout: PING_TIMEOUT },
    connectionManager: {
      maxConnections: MAX_CONNECTIONS,
      maxIncomingPendingConnections: MAX_INCOMING_PENDING,
      inboundConnectionThreshold: INBOUND_PER_HOST_PER_SECOND,
      dialTimeout: DIAL_TIMEOUT_MS,
      addressDialTimeout: ADDRESS_DIAL_TIMEOUT_MS,
      inboundUpgradeTimeout: INBOUND_UPGRADE_TIMEOUT_MS,
      addressSorter: dialOrder
    },
    connectionGater: {
      // Private and loopback addresses are fine: LAN sharing is a main use. A WebRTC hole punch
      // is dialled only by the upgrader, from one side: libp2p's dialler would otherwise try one
      // from each side at once with every dial, and the two punches break each other.
      denyDialMultiaddr: ma => isPunched(ma) && opts.webrtc?.mayPunch(ma) !== true,
      denyDialPeer: denied,
      denyInboundEncryptedConnection: denied,
      denyOutboundEncryptedConnection: denied,
      denyInboundRelayReservation: denied,
      denyInboundRelayedConnection: (_relay, remote) => denied(remote),
      denyInboundUpgradedConnection: denied,
      denyOutboundUpgradedConnection: denied,
      // On a hub: every relayed connection is charged to the relay's byte budget first.
      denyOutboundRelayedConnection: (src, dst) => denied(src) || denied(dst) || (opts.relay != null && !opts.relay.allow(src.toString(), dst.toString()))
    },
    peerDiscovery: opts.mdns === true ? [mdns({ serviceTag: MDNS_SERVICE_TAG })] : [],
    services: {
      identify: identify(),
      // Our addresses change after start (the hub confirms one, the router maps a port): peers hear of it at once.
      identifyPush: identifyPush(),
      ping: ping(PING_STREAMS),
      // Our own DHT is a server on every node: desktop peers on a LAN are reachable,
      // and private addresses are the point there, so none are filtered out.
      dht: kadDHT({ protocol: PRIVATE_DHT_PROTOCOL, clientMode: opts.dhtClientOnly === true, peerInfoMapper: passthroughMapper, logPrefix: 'swarmdrop:dht', datastorePrefix: '/swarmdrop-dht', metricsPrefix: 'swarmdrop_dht' }),
      ...(opts.publicDht === true ? { publicDht: kadDHT({ protocol: PUBLIC_DHT_PROTOCOL, peerInfoMapper: removePrivateAddressesMapper, logPrefix: 'swarmdrop:amino', datastorePrefix: '/amino-dht', metricsPrefix: 'amino_dht' }) } : {}),
      pubsub: gossipsub({
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        maxInboundDataLength: MAX_PUBSUB_FRAME,
        maxOutboundBufferSize: MAX_PUBSUB_OUTBOUND_BUFFER,
        maxTopicBytesPerPeer: MAX_PUBSUB_TOPIC_BYTES_PER_PEER
      }),
      manifest: manifestService({ content: opts.content, onViolation: opts.onViolation, limits: limits.manifest }),
      pieces: pieceExchange({ content: opts.content, policy: opts.uploads, onViolation: opts.onViolation, limits: limits.pieces }),
      catalog: catalogService({ ...opts.catalog, onViolation: opts.onViolation, limits: limits.catalog ?? opts.catalog.limits }),
      pex: pexService({ ...opts.pex, onViolation: opts.onViolation, limits: limits.pex ?? opts.pex.limits }),
      tracker: trackerService({ ...opts.tracker, onViolation: opts.onViolation, limits: limits.tracker ?? opts.tracker?.limits }),
      store: storeService({ ...opts.store, onViolation: opts.onViolation, limits: limits.store ?? opts.store?.limits }),
      // A hub dials peers back to confirm which of their addresses the internet reaches; everyone else asks.
      dialback: dialBackService({ serve: opts.relay != null, onViolation: opts.onViolation, limits: limits.dialback }),
      selfAddresses: selfAddresses(),
      // Hole punching: a relayed connection is upgraded to a direct one when both sides can.
      dcutr: dcutr(),
      hubFinder: hubFinder(opts.hubFinder ?? { enabled: false }),
      ...(opts.relay != null
        ? {
            relay: circuitRelayServer({
              reservations: {
                maxReservations: opts.relay.limits.maxReservations,
                // libp2p's defaults (2 minutes, 128 KiB) suit hole-punch signalling, not files.
                applyDefaultLimit: true,
                defaultDataLimit: BigInt(opts.relay.limits.connectionBytes),
                defaultDurationLimit: opts.relay.limits.connectionMs
              }
            })
          }
        : {})
    }
  }) as unknown as SwarmNode
}
