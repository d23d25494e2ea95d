import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Multiaddr } from '@multiformats/multiaddr'
import { createNode, type SwarmNode } from '../../src-main/engine/node/create-node.js'
import { BanList } from '../../src-main/engine/persistence/ban-list.js'
import { StateFiles } from '../../src-main/engine/persistence/json-file.js'
import { TrackerTable } from '../../src-main/engine/protocols/tracker/index.js'
import { tempDir } from './cli.js'

/** Relay limits wide enough that no test hits them. */
const HUB_RELAY = { maxReservations: 16, connectionBytes: 64 * 1024 * 1024, connectionMs: 10 * 60_000 }

export interface TestNodeOptions {
  /** Who the connection gater refuses (a BanList's isBanned, usually); nobody when absent. */
  isBanned?: (peerId: string) => boolean
  /** Serve circuit relay and a tracker: what makes a peer a hub. */
  hub?: boolean
  /** Take the first peer found to be a hub as ours. */
  findHub?: boolean
  /** Also listen through a hub's relay (a node configured with a named hub does). */
  relayListen?: boolean
}

/**
 * Our real libp2p node (create-node.ts), bare of the engine: on 127.0.0.1 with
 * a free port, no mDNS (tests running at once on one machine would find each
 * other), sharing nothing. Every node and data folder made here is removed by `stopAll`.
 */
export class TestNodes {
  private readonly nodes: SwarmNode[] = []
  private readonly cleanups: Array<() => Promise<void>> = []

  async start (opts: TestNodeOptions = {}): Promise<SwarmNode> {
    const node = await createNode({
      privateKey: await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0', ...(opts.relayListen === true ? ['/p2p-circuit'] : [])],
      content: { get: () => undefined },
      isBanned: opts.isBanned ?? (() => false),
      catalog: { entries: () => [] },
      pex: { swarmPeers: () => [] },
      mdns: false,
      tracker: { table: opts.hub === true ? new TrackerTable() : undefined },
      relay: opts.hub === true ? { limits: HUB_RELAY, allow: () => true } : undefined,
      hubFinder: { enabled: opts.findHub === true }
    })
    this.nodes.push(node)
    return node
  }

  /** A fresh temp folder, removed by stopAll. */
  async folder (prefix = 'swarmdrop-nodes-'): Promise<string> {
    const { path, cleanup } = await tempDir(prefix)
    this.cleanups.push(cleanup)
    return path
  }

  /** A ban list kept in a fresh data folder, as the engine keeps one. */
  async banList (): Promise<BanList> {
    const bans = new BanList(new StateFiles(await this.folder('swarmdrop-bans-')))
    await bans.load()
    return bans
  }

  /**
   * An address on 127.0.0.1 where nobody listens any more (a node started,
   * then stopped), with that node's peer ID: dials to it are refused at once.
   */
  async deadPeer (): Promise<{ peerId: string, addr: Multiaddr }> {
    const node = await this.start()
    const addr = addrOf(node)
    await node.stop()
    return { peerId: node.peerId.toString(), addr }
  }

  async stopAll (): Promise<void> {
    await Promise.all(this.nodes.splice(0).map(async n => { await n.stop() }))
    await Promise.all(this.cleanups.splice(0).map(async c => { await c() }))
  }
}

/** The node's TCP address on 127.0.0.1, ending in /p2p/<its peer ID>. */
export function addrOf (node: SwarmNode): Multiaddr {
  const a = node.getMultiaddrs().find(m => m.toString().startsWith('/ip4/127.0.0.1/tcp/') && !m.toString().includes('/p2p-circuit'))
  if (a == null) throw new Error(`node ${node.peerId.toString()} listens on no 127.0.0.1 TCP address`)
  return a
}

/** The same address without /p2p/<peer ID>: what a link with a bare address names. */
export function bareAddrOf (node: SwarmNode): string {
  return addrOf(node).toString().replace(/\/p2p\/[^/]+$/, '')
}

export function isConnected (node: SwarmNode, to: SwarmNode | string): boolean {
  const id = typeof to === 'string' ? to : to.peerId.toString()
  return node.getConnections().some(c => c.remotePeer.toString() === id)
}
