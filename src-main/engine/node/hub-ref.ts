import type { Multiaddr } from '@multiformats/multiaddr'

/** The hub a node uses for the client-server fallback: tracker, relay and store. */
export interface HubRef {
  peerId: string
  addr: Multiaddr
}
