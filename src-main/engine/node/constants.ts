/** A desktop client talks to tens of peers; hundreds means something is wrong. */
export const MAX_CONNECTIONS = 200
/** Half-open inbound handshakes we tolerate at once (slowloris protection). */
export const MAX_INCOMING_PENDING = 32
/**
 * New inbound connections per second from one IP. libp2p's default of 5 is
 * hit by one household behind a NAT (or a test on one host) joining a swarm
 * together; 25 still stops a single host from flooding us with handshakes.
 */
export const INBOUND_PER_HOST_PER_SECOND = 25
/**
 * A dial tries a peer's addresses in turn (relayed ones last), each for at
 * most ADDRESS_DIAL_TIMEOUT_MS: a direct address behind a NAT that drops
 * packets costs 5 s, and the relay through the hub still gets its turn
 * inside the whole dial's DIAL_TIMEOUT_MS.
 */
export const ADDRESS_DIAL_TIMEOUT_MS = 5_000
export const DIAL_TIMEOUT_MS = 20_000
export const INBOUND_UPGRADE_TIMEOUT_MS = 10_000
/**
 * Yamux window per stream. Bigger windows keep a fast link full (bandwidth x
 * delay); the read side of a piece stream is bounded by requests anyway.
 */
export const STREAM_WINDOW = 4 * 1024 * 1024
/**
 * libp2p pings every connection and by default cuts it when a ping takes over
 * 5 s, or when a ping is still out at the next round (10 s). A ping waits behind
 * the piece data already in the connection's windows (STREAM_WINDOW per stream),
 * so on a busy machine it took longer than that on connections that were moving
 * data, and every transfer on them died: 20 daemons on 2 cores finished 0-2 of 20
 * swaps in 75 s that way, all 20 in 40 s without it. A ping now gets 20-25 s and
 * always ends before the next, so a dead peer is still found within a minute.
 */
export const PING_INTERVAL_MS = 30_000
export const PING_TIMEOUT = { minTimeout: 20_000, maxTimeout: 25_000 }
/**
 * Ping streams a connection may hold each way. A ping's stream stays on the
 * connection until the far side's close reaches us, which on a busy link can be
 * after the next round's ping: with libp2p's limit of one, that ping failed at
 * once ("Too many outbound protocol streams") and the connection was cut all the
 * same. Inbound allows for a peer whose own closes lag the same way.
 */
export const PING_STREAMS = { maxOutboundStreams: 3, maxInboundStreams: 4 }
/** Unsent bytes a stream may hold before it is reset: writers wait for drain long before this. */
export const MAX_STREAM_WRITE_BUFFER = 16 * 1024 * 1024

export type Encrypter = 'tls' | 'noise'
/** TLS first: ~1.4x faster on a bare stream here, and native AES-GCM inside Electron too. */
export const DEFAULT_ENCRYPTERS: Encrypter[] = ['tls', 'noise']

/** Our own DHT, so a private swarm (a LAN, a test) never mixes with the public one. */
export const PRIVATE_DHT_PROTOCOL = '/swarmdrop/kad/1.0.0'
/** The public IPFS Amino DHT, joined with --public-dht. */
export const PUBLIC_DHT_PROTOCOL = '/ipfs/kad/1.0.0'
/** The Amino DHT's well-known bootstrap peers. */
export const PUBLIC_BOOTSTRAP = [
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmQCU2EcMqAqQPR2i9bChDtGNJchTbq5TbXJJ16u19uLTa',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmbLHAnMoJPWSCR5Zhtx6BHJX9KiKNN6tpvbUcqanj75Nb',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmcZf59bWwK5XFi76CZX8cbJ4BhTzzA3gU1ZjYZcYW3dwt'
]
/** mDNS service name: only Swarmdrop nodes answer. */
export const MDNS_SERVICE_TAG = 'swarmdrop.local'
/** Gossipsub frames past this are dropped: feed messages are 4 KiB at most, plus RPC overhead. */
export const MAX_PUBSUB_FRAME = 64 * 1024
/** Gossipsub's unsent bytes per peer: a few hundred feed messages; a peer that reads none of them is not worth more. */
export const MAX_PUBSUB_OUTBOUND_BUFFER = 1024 * 1024
/** Topic bytes one peer may subscribe us to (gossipsub charges ~1 KiB per topic): ~250 swarms, far past real use. */
export const MAX_PUBSUB_TOPIC_BYTES_PER_PEER = 256 * 1024
