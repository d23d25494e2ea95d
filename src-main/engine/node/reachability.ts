import type { Libp2pEvents, PeerId } from '@libp2p/interface'
import type { NodeAddress } from '@libp2p/interface-internal'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { AddressSource, Connectivity, HolePunchStats, OwnAddress, PortMapping, Reachability as Verdict } from '../../../shared/connectivity.js'
import { log } from '../base/log.js'
import { isCircuit, scopeOf } from '../base/addresses.js'
import type { SwarmNode } from './create-node.js'
import type { HubRef } from './hub-ref.js'
import { SelfAddresses } from './self-addresses.js'

const logger = log('reachability')

/**
 * How often the hub is asked again. A home router's lease, a laptop moving to
 * another network or a router that forgot its mappings all change the answer;
 * five minutes bounds how long we hand out an address that stopped working.
 */
export const RECHECK_MS = 5 * 60 * 1000
/** Identify, a reservation and a mapping tend to land together after a connect: one check for the lot. */
const SETTLE_MS = 50
/** Reconnecting to the hub sooner than this after a check does not check again (a flapping link would flood it). */
const MIN_RECHECK_MS = 30_000
/** A hub that does not answer a dial-back in this long is asked again at the next round. */
const CHECK_TIMEOUT_MS = 20_000

const NO_MAPPING: PortMapping = { state: 'off', external: null, reason: null, at: null }

export interface ReachabilityComponents {
  node: SwarmNode
  /** The hub we use, if any (named, or found after start). */
  hub: () => HubRef | undefined
  /** The router port mapping's state, when port mapping runs. */
  mapping?: () => PortMapping
}

export interface ReachabilityInit {
  /** A hub is the server everyone dials: its own listen addresses are handed out as configured. */
  isHub: boolean
}

interface CheckResult { ok: boolean, type: NodeAddress['type'], reason?: string }

/**
 * Learns which of our addresses the internet can reach, and says so. The hub
 * dials us back (protocols/dialback) on our listen addresses, on the IP it saw
 * us come from with our listen port, and on ports the router mapped; what
 * answers is confirmed in libp2p's address manager, so identify, the DHT, the
 * tracker and our links hand it out, and what does not is withdrawn.
 */
export class Reachability {
  private readonly results = new Map<string, CheckResult>()
  private observed: Multiaddr | undefined
  private checkedAt: number | null = null
  private checking: Promise<void> | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private settle: ReturnType<typeof setTimeout> | undefined
  private readonly listeners = new Set<(c: Connectivity) => void>()
  private last = ''
  private readonly punches: HolePunchStats = { attempts: 0, successes: 0 }
  private stopped = false

  constructor (private readonly components: ReachabilityComponents, private readonly init: ReachabilityInit) {}

  private get self (): SelfAddresses { return this.components.node.services.selfAddresses }

  start (): void {
    const { node } = this.components
    node.addEventListener('peer:identify', this.onIdentify)
    node.addEventListener('self:peer:update', this.onChanged)
    node.addEventListener('transport:listening', this.onChanged)
    if (this.init.isHub) this.confirmProvisionally()
    this.soon()
  }

  stop (): void {
    const { node } = this.components
    this.stopped = true
    node.removeEventListener('peer:identify', this.onIdentify)
    node.removeEventListener('self:peer:update', this.onChanged)
    node.removeEventListener('transport:listening', this.onChanged)
    clearTimeout(this.timer)
    clearTimeout(this.settle)
  }

  /** Tells `listener` each time the picture changes (addresses, mapping, reservation, verdict). */
  onChange (listener: (c: Connectivity) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /** A hole punch was tried (the upgrader's count); `ok` when it ended in a direct connection. */
  notePunch (ok: boolean): void {
    this.punches.attempts++
    if (ok) this.punches.successes++
    this.emit()
  }

  /** The router's mapping changed (made, renewed, lost): worth asking the hub again. */
  mappingChanged (): void {
    this.soon()
  }

  /**
   * Resolves once the hub has answered a first time, or after `ms`: a public
   * address confirmed before the first transfer is in the first identify its
   * peers get, so a NATed peer dials straight out to it instead of starting
   * on the relay. A NATed node's unreachable addresses take the hub seconds
   * to give up on; start does not wait that long.
   */
  async settled (ms: number): Promise<void> {
    if (this.checkedAt != null || this.init.isHub || this.components.hub() == null) return
    await new Promise<void>(resolve => {
      const timer = setTimeout(done, ms)
      const off = this.onChange(() => { if (this.checkedAt != null) done() })
      function done (): void { clearTimeout(timer); off(); resolve() }
    })
  }

  /**
   * Checks now, then says what it found. A check under way may have started
   * before what prompted this one (a mapping just made), so this one runs
   * after it rather than joining it.
   */
  async check (): Promise<Connectivity> {
    const mine: Promise<void> = (this.checking ?? Promise.resolve()).then(async () => { await this.runCheck() })
    this.checking = mine
    await mine.finally(() => { if (this.checking === mine) this.checking = undefined })
    return this.connectivity()
  }

  connectivity (): Connectivity {
    const { node } = this.components
    const hub = this.init.isHub ? undefined : this.components.hub()
    const mapping = this.components.mapping?.() ?? NO_MAPPING
    const addrs: OwnAddress[] = []
    const seen = new Set<string>()
    const ours = `/p2p/${node.peerId.toString()}`
    for (const a of this.self.all()) {
      const bare = a.multiaddr.toString()
      if (isCircuit(bare) || seen.has(bare)) continue
      seen.add(bare)
      const scope = scopeOf(a.multiaddr)
      const result = this.results.get(bare)
      const confirmed = scope !== 'public' ? true : result != null ? result.ok : a.verified ? (this.init.isHub || hub != null ? true : null) : null
      const reason = scope === 'public' && result?.ok === false ? result.reason : undefined
      addrs.push({ addr: bare.endsWith(ours) ? bare : bare + ours, source: sourceOf(a, mapping), scope, confirmed, ...(reason != null ? { reason } : {}) })
    }
    // Checked and not reached, so libp2p does not list them: shown all the same, with the hub's reason.
    for (const [bare, r] of this.results) {
      if (seen.has(bare) || r.ok || scopeOf(bare) !== 'public') continue
      seen.add(bare)
      addrs.push({ addr: bare + ours, source: r.type === 'ip-mapping' ? 'mapped' : r.type === 'observed' ? 'observed' : 'listen', scope: 'public', confirmed: false, ...(r.reason != null ? { reason: r.reason } : {}) })
    }
    const reservation = node.getMultiaddrs().find(a => isCircuit(a))?.toString() ?? null
    if (reservation != null) addrs.push({ addr: reservation, source: 'relay', scope: 'relay', confirmed: true })
    return {
      reachability: this.verdict(addrs, mapping, hub, reservation),
      addrs,
      mapping,
      hub: hub != null ? { peerId: hub.peerId, reservation, observed: this.observed?.toString() ?? null } : null,
      holePunch: { ...this.punches },
      checkedAt: this.checkedAt
    }
  }

  private verdict (addrs: OwnAddress[], mapping: PortMapping, hub: HubRef | undefined, reservation: string | null): Verdict {
    if (this.init.isHub) return 'public'
    const open = (source: AddressSource): boolean => addrs.some(a => a.scope === 'public' && a.source === source && a.confirmed !== false && (a.confirmed === true || hub == null))
    if (open('listen') || open('observed')) return 'public'
    if (open('mapped') || (hub == null && mapping.state === 'mapped')) return 'mapped'
    if (hub != null && this.checkedAt == null && this.components.node.getConnections(peerIdFromString(hub.peerId)).length > 0) return 'checking'
    if (reservation != null) return 'relayed'
    return 'local'
  }

  private async runCheck (): Promise<void> {
    if (this.stopped) return
    const hubRef = this.init.isHub ? undefined : this.components.hub()
    if (hubRef == null) { this.confirmProvisionally(); this.emit(); return }
    const hub = peerIdFromString(hubRef.peerId)
    if (this.components.node.getConnections(hub).length === 0) return
    try {
      const first = this.candidates()
      if (first.size > 0) await this.ask(hub, first)
      // The IP the hub saw, on our listen ports: a port forwarded by hand, a DMZ host, a 1:1 NAT.
      const more = new Map<string, NodeAddress['type']>()
      for (const port of this.self.listenPorts()) {
        const on = this.observed != null ? SelfAddresses.onPort(this.observed, port)?.toString() : undefined
        if (on != null && !first.has(on) && scopeOf(on) === 'public') more.set(on, 'observed')
      }
      if (more.size > 0) await this.ask(hub, more)
      this.checkedAt = Date.now()
    } catch (err) {
      logger('dial-back by the hub failed: %s', (err as Error).message)
    }
    this.emit(true)
  }

  /** Our addresses worth a dial-back: public and LAN TCP addresses and mapped ports (loopback never leaves this machine). */
  private candidates (): Map<string, NodeAddress['type']> {
    const out = new Map<string, NodeAddress['type']>()
    for (const a of this.self.all()) {
      const bare = a.multiaddr.toString()
      if (isCircuit(bare) || scopeOf(bare) === 'loopback' || !bare.includes('/tcp/')) continue
      if (a.type === 'transport' || a.type === 'ip-mapping' || a.type === 'observed') out.set(bare, a.type)
    }
    return out
  }

  private async ask (hub: PeerId, addrs: Map<string, NodeAddress['type']>): Promise<void> {
    const answer = await this.components.node.services.dialback.check(hub, [...addrs.keys()], { signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) })
    try { this.observed = multiaddr(answer.observed) } catch { /* a hub's odd answer changes nothing */ }
    for (const r of answer.results) {
      const type = addrs.get(r.addr)
      if (type == null) continue
      this.results.set(r.addr, { ok: r.ok, type, ...(r.reason != null ? { reason: r.reason } : {}) })
      // LAN addresses need no confirmation (libp2p hands them out anyway); the hub only tells us whether it sees them.
      if (scopeOf(r.addr) !== 'public') continue
      if (r.ok) this.self.confirm(multiaddr(r.addr), type)
      else this.self.unconfirm(multiaddr(r.addr))
    }
    logger('hub %p reached %d of %d address(es); it sees us at %s', hub, answer.results.filter(r => r.ok).length, answer.results.length, answer.observed)
  }

  /**
   * No hub to ask (or we are the hub): our public listen addresses, and ports
   * the router mapped, are handed out unconfirmed. Without them a public machine would offer only LAN
   * addresses, and a dial that fails costs a peer seconds, not the transfer.
   */
  private confirmProvisionally (): void {
    for (const a of this.self.all()) {
      // A port the router says it forwards is as good as its word, when there is no hub to ask.
      if ((a.type === 'transport' || a.type === 'ip-mapping') && !a.verified && scopeOf(a.multiaddr) === 'public') this.self.confirm(a.multiaddr, a.type)
    }
  }

  /** Checks shortly (once things settle), then every RECHECK_MS. */
  private soon (): void {
    if (this.stopped) return
    clearTimeout(this.settle)
    this.settle = setTimeout(() => {
      void this.check().finally(() => {
        clearTimeout(this.timer)
        if (!this.stopped) this.timer = setTimeout(() => { this.soon() }, RECHECK_MS)
      })
    }, SETTLE_MS)
  }

  private emit (always = false): void {
    const c = this.connectivity()
    const key = JSON.stringify({ ...c, checkedAt: null })
    if (key === this.last && !always) return
    this.last = key
    for (const l of this.listeners) l(c)
  }

  private readonly onIdentify = (evt: Libp2pEvents['peer:identify']): void => {
    const hub = this.components.hub()
    // We (re)connected to the hub: a new network, a restarted router, or just start. Not its
    // dial-backs, which are inbound: checking again on each would ask for the next one, for ever.
    if (hub == null || evt.detail.peerId.toString() !== hub.peerId || evt.detail.connection.direction !== 'outbound') return
    if (this.checkedAt != null && Date.now() - this.checkedAt < MIN_RECHECK_MS) return
    this.soon()
  }

  private readonly onChanged = (): void => { this.emit() }
}

/** Where an address came from; an observed one that is the router's mapped port counts as mapped. */
function sourceOf (a: NodeAddress, mapping: PortMapping): AddressSource {
  if (a.type === 'ip-mapping' || (mapping.external != null && a.multiaddr.toString().startsWith(mapping.external))) return 'mapped'
  if (a.type === 'observed') return 'observed'
  return 'listen'
}
