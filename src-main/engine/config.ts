import type { Encrypter } from './node/constants.js'
import type { RelayLimits } from './hub/relay-budget.js'
import type { StoreLimits } from './hub/store-ledger.js'
import type { ProtocolLimits } from './node/create-node.js'
import type { MappingLimits } from './node/port-mapper.js'
import type { StateFiles } from './persistence/json-file.js'

export interface EngineConfig {
  dataDir: string
  /** The data folder's state files, when the front end keeps some of its own there too (settings): one place to hear of a damaged one. */
  state?: StateFiles
  /** Used as given; absent: all interfaces, on the port kept in the data folder. */
  listen?: string[]
  encrypters?: Encrypter[]
  /** Bootstrap peers for this run; they are remembered in the data folder. */
  bootstrap?: string[]
  /** Find peers on the LAN with multicast DNS (default on). */
  mdns?: boolean
  /** Also join the public IPFS Amino DHT. */
  publicDht?: boolean
  /** Bytes per second, 0 for none: the whole node's upload and download. */
  upLimit?: number
  downLimit?: number
  /** Client-server mode for benchmarks: downloads use only the given peers and serve nobody. */
  leechOnly?: boolean
  /** A hub to fall back on (multiaddr ending in /p2p/<id>): tracker, relay and store. */
  hub?: string
  /** Run as a hub: relay, tracker and (optionally) store for others. */
  hubServer?: HubServerConfig
  /** Hole punching over WebRTC between peers behind routers (default on; never on a hub, which only relays its signalling). */
  holePunching?: boolean
  /** Ask the home router to forward our port (UPnP-IGD, NAT-PMP); default on, never on a hub. */
  portMapping?: boolean
  /** Overrides of the port mapper's timings (node/port-mapper.ts); tests shorten them. */
  mappingLimits?: Partial<MappingLimits>
  /** Overrides of the wire protocols' limits and timeouts (each protocol's constants.ts); tests shorten them. */
  protocolLimits?: ProtocolLimits
}

export interface HubServerConfig {
  relay: RelayLimits
  /** Keep pushed shares for allow-listed peers (absent: no store). */
  store?: StoreLimits
  /** Serve the DHT (default). Off only to test the tracker fallback. */
  dhtServer?: boolean
}
