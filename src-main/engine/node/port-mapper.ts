import { pmpNat, upnpNat, type Gateway, type PortMapping as RouterMapping } from '@achingbrain/nat-port-mapper'
import { isIPv4 } from 'node:net'
import { isPrivateIp } from '@libp2p/utils'
import { readFileSync } from 'node:fs'
import type { PortMapping } from '../../../shared/connectivity.js'
import { log } from '../base/log.js'
import { scopeOf } from '../base/addresses.js'
import type { SelfAddresses } from './self-addresses.js'

const logger = log('port-mapper')

export const MAPPING_DEFAULTS = {
  /** SSDP answers come within a second on a LAN; a router that has not answered in 5 s has no UPnP (or it is off). */
  searchMs: 5_000,
  /** With no router found, look again this often: a router rebooting, a laptop moving to another network. */
  searchAgainMs: 5 * 60 * 1000,
  /**
   * The mapping is asked for again this often. A router that restarted has
   * forgotten it; asking again is one small request, and bounds how long
   * peers find the port closed to this.
   */
  renewMs: 60_000,
  /** The lease we ask for: a mapping we stop renewing (a crash) closes by itself. */
  leaseMs: 10 * 60 * 1000,
  /** A router that has not answered a request in this long is not there any more. */
  requestMs: 5_000
}
export type MappingLimits = typeof MAPPING_DEFAULTS

export interface PortMapperComponents {
  self: SelfAddresses
  /** The mapping was made, renewed after being lost, refused or dropped. */
  onChange: () => void
}

export interface PortMapperInit {
  /** false: the user switched port mapping off (Settings, --no-upnp). */
  enabled: boolean
  limits?: Partial<MappingLimits>
  /** The name a router shows next to the mapping. */
  description: string
}

interface Held { gateway: Gateway, internal: { host: string, port: number }, external: { host: string, port: number } }

/** NAT-PMP gateways we made: their mapper writes the lease it is given (ms elsewhere) into the request as seconds. */
const pmpGateways = new WeakSet<Gateway>()

/**
 * Asks the home router to forward a port to us, UPnP-IGD first and NAT-PMP
 * second (both through @achingbrain/nat-port-mapper, the mapper libp2p's
 * upnp-nat uses, called directly so that what the router answered can be
 * shown). The mapping is renewed, made again when the router forgot it,
 * and removed on stop; the mapped address joins our own as unconfirmed,
 * for the hub to confirm.
 */
export class PortMapper {
  private status: PortMapping
  private readonly limits: MappingLimits
  private held: Held[] = []
  private timer: ReturnType<typeof setTimeout> | undefined
  private readonly stopping = new AbortController()
  private running: Promise<void> | undefined
  /** A router that gave us a mapping once and then stopped answering is most likely restarting: look again soon. */
  private hadRouter = false

  constructor (private readonly components: PortMapperComponents, private readonly init: PortMapperInit) {
    this.limits = { ...MAPPING_DEFAULTS, ...init.limits }
    this.status = { state: init.enabled ? 'searching' : 'off', external: null, reason: null, at: null }
  }

  mapping (): PortMapping { return this.status }

  start (): void {
    if (!this.init.enabled) return
    this.schedule(0)
  }

  /** Removes what we mapped: a router keeps a stopped program's mapping until its lease ends otherwise. */
  async stop (): Promise<void> {
    clearTimeout(this.timer)
    this.stopping.abort()
    await this.running?.catch(() => {})
    const held = this.held
    this.held = []
    await Promise.all(held.map(async h => {
      this.components.self.removeMapping(h.internal, h.external)
      await h.gateway.unmap(h.internal.port, { signal: AbortSignal.timeout(this.limits.requestMs) }).catch((err: unknown) => { logger('unmap %d: %s', h.internal.port, (err as Error).message) })
      await h.gateway.stop({ signal: AbortSignal.timeout(this.limits.requestMs) }).catch(() => {})
    }))
  }

  private schedule (ms: number): void {
    clearTimeout(this.timer)
    if (this.stopping.signal.aborted) return
    this.timer = setTimeout(() => {
      this.running = this.round().catch((err: unknown) => { logger('mapping round failed: %s', (err as Error).message) })
      void this.running.finally(() => { this.running = undefined })
    }, ms)
  }

  /** One round: renew what we hold, or find a router and map. Then the next round. */
  private async round (): Promise<void> {
    const ports = this.wanted()
    if (ports.length === 0) {
      this.set({ state: 'not-needed', external: null, reason: null, at: null })
      this.schedule(this.limits.searchAgainMs)
      return
    }
    if (this.held.length > 0 && await this.renew()) {
      this.schedule(this.limits.renewMs)
      return
    }
    const gateway = await this.findGateway()
    if (gateway == null) {
      this.set({ state: 'no-router', external: null, reason: null, at: null })
      this.schedule(this.hadRouter ? this.limits.renewMs : this.limits.searchAgainMs)
      return
    }
    await this.mapOn(gateway, ports)
    this.schedule(this.held.length > 0 || this.hadRouter ? this.limits.renewMs : this.limits.searchAgainMs)
  }

  /** Our private IPv4 listen addresses: what a router can forward to. None when we have a public one of our own. */
  private wanted (): Array<{ host: string, port: number }> {
    const out: Array<{ host: string, port: number }> = []
    let ownPublic = false
    for (const a of this.components.self.all()) {
      if (a.type !== 'transport') continue
      const parts = a.multiaddr.getComponents()
      const ip = parts[0]
      const tcp = parts[1]
      if (ip?.name !== 'ip4' || tcp?.name !== 'tcp' || ip.value == null || tcp.value == null) continue
      const scope = scopeOf(a.multiaddr)
      if (scope === 'public') ownPublic = true
      if (scope === 'lan') out.push({ host: ip.value, port: Number(tcp.value) })
    }
    return ownPublic ? [] : out
  }

  private async findGateway (): Promise<Gateway | undefined> {
    const signal = AbortSignal.any([AbortSignal.timeout(this.limits.searchMs), this.stopping.signal])
    try {
      for await (const g of upnpNat({ description: this.init.description, autoRefresh: false }).findGateways({ signal, searchInterval: 1_000 })) {
        if (g.family === 'IPv4') return g
      }
    } catch (err) {
      if (!signal.aborted) logger('UPnP search: %s', (err as Error).message)
    }
    if (this.stopping.signal.aborted) return undefined
    // No UPnP answer: NAT-PMP (and PCP, which answers NAT-PMP's requests) speaks to the default gateway directly.
    const router = defaultGateway()
    if (router == null) return undefined
    const pmp = pmpNat(router, { description: this.init.description, autoRefresh: false })
    pmpGateways.add(pmp)
    try {
      await pmp.externalIp({ signal: AbortSignal.timeout(this.limits.requestMs) })
      return pmp
    } catch {
      await pmp.stop().catch(() => {})
      return undefined
    }
  }

  private async mapOn (gateway: Gateway, ports: Array<{ host: string, port: number }>): Promise<void> {
    let refused: string | null = null
    for (const internal of ports.slice(0, 1)) {
      try {
        const m = await gateway.map(internal.port, internal.host, { protocol: 'tcp', externalPort: internal.port, ttl: this.lease(gateway), autoRefresh: false, signal: AbortSignal.timeout(this.limits.requestMs) })
        this.hold(gateway, internal, m)
      } catch (err) {
        refused = (err as Error).message
        logger('router %s refused %s:%d: %s', gateway.host, internal.host, internal.port, refused)
      }
    }
    if (this.held.length === 0) {
      await gateway.stop().catch(() => {})
      this.set({ state: 'refused', external: null, reason: refused, at: null })
    }
  }

  private hold (gateway: Gateway, internal: { host: string, port: number }, m: RouterMapping): void {
    const external = { host: m.externalHost, port: m.externalPort }
    // A router whose own address is private sits behind another NAT: its port leads nowhere public.
    if (!isIPv4(m.externalHost) || isPrivateIp(m.externalHost) === true) {
      void gateway.unmap(internal.port).catch(() => {})
      this.set({ state: 'refused', external: null, reason: `the router's own address ${m.externalHost} is not public (another NAT sits between it and the internet)`, at: null })
      return
    }
    this.held.push({ gateway, internal, external })
    this.hadRouter = true
    this.components.self.addMapping(internal, external)
    logger('router %s forwards %s:%d to %s:%d', gateway.host, external.host, external.port, internal.host, internal.port)
    this.set({ state: 'mapped', external: `/ip4/${external.host}/tcp/${external.port}`, reason: null, at: Date.now() })
  }

  /** Asks for each held mapping again; false when the router is gone (search again). */
  private async renew (): Promise<boolean> {
    const held = this.held
    this.held = []
    let ok = true
    for (const h of held) {
      try {
        const m = await h.gateway.map(h.internal.port, h.internal.host, { protocol: 'tcp', externalPort: h.external.port, ttl: this.lease(h.gateway), autoRefresh: false, signal: AbortSignal.timeout(this.limits.requestMs) })
        if (m.externalHost !== h.external.host || m.externalPort !== h.external.port) {
          this.components.self.removeMapping(h.internal, h.external)
          this.hold(h.gateway, h.internal, m)
        } else {
          logger.trace('renewed %s:%d', h.external.host, h.external.port)
          this.held.push(h)
          this.status = { ...this.status, at: Date.now() }
        }
      } catch (err) {
        logger('renewing %s:%d failed: %s', h.external.host, h.external.port, (err as Error).message)
        this.components.self.removeMapping(h.internal, h.external)
        await h.gateway.stop().catch(() => {})
        ok = false
      }
    }
    if (!ok) this.set({ state: 'searching', external: null, reason: null, at: null })
    return ok && this.held.length > 0
  }

  /** The lease to ask `gateway` for, in the unit its mapper sends (see pmpGateways). */
  private lease (gateway: Gateway): number {
    return pmpGateways.has(gateway) ? Math.round(this.limits.leaseMs / 1000) : this.limits.leaseMs
  }

  private set (next: PortMapping): void {
    const changed = next.state !== this.status.state || next.external !== this.status.external || next.reason !== this.status.reason
    this.status = next
    if (changed) this.components.onChange()
  }
}

/** The IPv4 default gateway from the kernel's routing table (Linux); undefined elsewhere. */
export function defaultGateway (routeTable?: string): string | undefined {
  let text = routeTable
  if (text == null) {
    try { text = readFileSync('/proc/net/route', 'utf8') } catch { return undefined }
  }
  for (const line of text.split('\n').slice(1)) {
    const [, dest, gw] = line.trim().split(/\s+/)
    if (dest !== '00000000' || gw == null || gw === '00000000') continue
    const n = Number.parseInt(gw, 16)
    // Little-endian hex, as the kernel prints it.
    return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255].join('.')
  }
  return undefined
}
