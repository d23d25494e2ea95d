import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A small internet made of network namespaces, in the shape of libp2p's
 * hole-punch test plan: public hosts (a hub, a public peer) on one segment,
 * and hosts each behind a home router of its own. A router is a namespace
 * with nftables masquerade on its WAN side and a forward policy that drops
 * what nobody inside asked for, like a home router; with `upnp` it also runs
 * Debian's miniupnpd (UPnP-IGD, NAT-PMP and PCP) on its LAN side.
 *
 * The internet segment is 11.91.0.0/24. miniupnpd refuses private and
 * documentation ranges as its external address (as libp2p treats them as
 * private), so the segment needs an address a real router would have; these
 * exist only on veths inside the namespaces built here, none of which has a
 * route anywhere else, so no packet to them ever leaves this machine. Each
 * LAN is 192.168.<n>.0/24, the router .1 and the host .2.
 */
export interface NatHostSpec {
  name: string
  /** Run miniupnpd on the router; 'refuse': it runs but denies every mapping; 'pmp': NAT-PMP/PCP only, no UPnP-IGD. */
  upnp?: boolean | 'refuse' | 'pmp'
}

export interface NatTopology {
  /** The namespace a host runs in. */
  ns: (host: string) => string
  /** A host's own address: on the internet segment for public hosts, on its LAN behind a router. */
  addr: (host: string) => string
  /** The router's internet address in front of a NATed host (its own for a public host). */
  wanAddr: (host: string) => string
  /** The router forgets everything, as after a power cut: NAT state, mappings, miniupnpd restarted. */
  restartRouter: (host: string) => Promise<void>
  /** External TCP ports the router in front of `host` forwards now (its miniupnpd's rules). */
  mappedPorts: (host: string) => number[]
  /** Caps what `host` sends with a kernel token bucket (its router's WAN for a NATed host). */
  capUplink: (host: string, bitsPerSecond: number) => void
  destroy: () => void
}

export const INTERNET = '11.91.0'
const MINIUPNPD = '/usr/sbin/miniupnpd'

function sh (cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], input }).toString()
}

/** What this machine lacks to build the topology, in one line; null when all is there. */
export function natTopologyMissing (upnp: boolean): string | null {
  const need = [['ip', 'iproute2'], ['nft', 'nftables'], ['conntrack', 'conntrack'], ...(upnp ? [[MINIUPNPD, 'miniupnpd-nftables']] : [])]
  const missing = need.filter(([bin]) => { try { execFileSync('sh', ['-c', `command -v ${bin!}`], { stdio: 'ignore' }); return false } catch { return true } })
  return missing.length === 0 ? null : `needs ${missing.map(m => m[1]).join(', ')} (apt-get install -y ${missing.map(m => m[1]).join(' ')})`
}

/**
 * The router's rules: masquerade out, established back in, and the chains
 * miniupnpd fills with its mappings. Unsolicited packets to the router's own
 * WAN address are dropped too, as home routers do: accepted, each would leave
 * a conntrack entry that makes masquerade move the next outgoing packet to
 * that address and port onto another port, which breaks hole punching.
 */
function routerRules (): string {
  return `
table inet filter {
  chain input {
    type filter hook input priority 0; policy accept;
    iifname "wan0" ct state established,related accept
    iifname "wan0" drop
  }
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    iifname "lan0" oifname "wan0" accept
    jump miniupnpd
  }
  chain miniupnpd {
  }
  chain prerouting {
    type nat hook prerouting priority -100; policy accept;
    jump prerouting_miniupnpd
  }
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    jump postrouting_miniupnpd
    oifname "wan0" masquerade
  }
  chain prerouting_miniupnpd {
  }
  chain postrouting_miniupnpd {
  }
}
`
}

function miniupnpdConf (dir: string, lan: string, refuse: boolean, igd: boolean): string {
  return [
    'ext_ifname=wan0',
    'listening_ip=lan0',
    'http_port=5000',
    'enable_natpmp=yes',
    `enable_upnp=${igd ? 'yes' : 'no'}`,
    'secure_mode=yes',
    'system_uptime=yes',
    `lease_file=${join(dir, 'leases')}`,
    'uuid=3d3cec3a-8cf0-11e0-98ee-001a6bd2d07b',
    refuse ? 'deny 0-65535 0.0.0.0/0 0-65535' : `allow 1024-65535 ${lan}.0/24 1024-65535`,
    'deny 0-65535 0.0.0.0/0 0-65535',
    ''
  ].join('\n')
}

export function createNatTopology (tag: string, publicHosts: string[], natHosts: NatHostSpec[]): NatTopology | string {
  const id = `${tag}${process.pid % 10000}`
  const netNs = `${id}net`
  const nsOf = (h: string): string => `${id}${h}`
  const routerOf = (h: string): string => `${id}r${h}`
  const port = (h: string): string => `${id}p${h}`
  const natIndex = (h: string): number => natHosts.findIndex(n => n.name === h)
  const lanOf = (h: string): string => `192.168.${natIndex(h) + 1}`
  const wanOf = (h: string): string => natIndex(h) >= 0 ? `${INTERNET}.${101 + natIndex(h)}` : `${INTERNET}.${publicHosts.indexOf(h) + 1}`
  const state = join(tmpdir(), `swarmdrop-nat-${id}`)
  const daemons = new Map<string, ChildProcess>()
  const allNs = [netNs, ...publicHosts.map(nsOf), ...natHosts.flatMap(n => [nsOf(n.name), routerOf(n.name)])]
  const ip = (...args: string[]): void => { sh('ip', args) }
  const inNs = (ns: string, cmd: string, args: string[], input?: string): string => sh('ip', ['netns', 'exec', ns, cmd, ...args], input)

  const startUpnp = (h: NatHostSpec): void => {
    const dir = join(state, h.name)
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'miniupnpd.conf'), miniupnpdConf(dir, lanOf(h.name), h.upnp === 'refuse', h.upnp !== 'pmp'))
    // -d: stay in the foreground, so the process is ours to kill; -P: a pid file of its own, since
    // miniupnpd refuses to start while the one in the default pid file runs (another router's).
    const child = spawn('ip', ['netns', 'exec', routerOf(h.name), MINIUPNPD, '-f', join(dir, 'miniupnpd.conf'), '-P', join(dir, 'pid'), '-d'], { stdio: 'ignore' })
    daemons.set(h.name, child)
  }
  /** Kills a router's miniupnpd; resolves once it is gone (a new one could not bind its ports before). */
  const stopUpnp = async (h: string): Promise<void> => {
    const child = daemons.get(h)
    daemons.delete(h)
    if (child == null || child.exitCode != null || child.signalCode != null) return
    const gone = new Promise<void>(resolve => child.once('exit', () => { resolve() }))
    child.kill('SIGKILL')
    await gone
  }
  const destroy = (): void => {
    for (const child of daemons.values()) child.kill('SIGKILL')
    daemons.clear()
    for (const ns of allNs) { try { ip('netns', 'del', ns) } catch { /* not there */ } }
    rmSync(state, { recursive: true, force: true })
  }

  try {
    destroy()
    const missing = natTopologyMissing(natHosts.some(n => n.upnp != null && n.upnp !== false))
    if (missing != null) return missing
    ip('netns', 'add', netNs)
    ip('-n', netNs, 'link', 'add', 'br0', 'type', 'bridge')
    ip('-n', netNs, 'link', 'set', 'br0', 'up')
    // A public host, or a router's WAN side: a veth into the bridge, an address on the segment.
    const attach = (ns: string, h: string, ifname: string): void => {
      ip('link', 'add', port(h), 'netns', netNs, 'type', 'veth', 'peer', 'name', ifname, 'netns', ns)
      ip('-n', netNs, 'link', 'set', port(h), 'master', 'br0')
      ip('-n', netNs, 'link', 'set', port(h), 'up')
      ip('-n', ns, 'addr', 'add', `${wanOf(h)}/24`, 'dev', ifname)
      ip('-n', ns, 'link', 'set', ifname, 'up')
      ip('-n', ns, 'link', 'set', 'lo', 'up')
    }
    for (const h of publicHosts) {
      ip('netns', 'add', nsOf(h))
      attach(nsOf(h), h, 'eth0')
    }
    for (const n of natHosts) {
      const r = routerOf(n.name)
      const host = nsOf(n.name)
      ip('netns', 'add', r)
      ip('netns', 'add', host)
      attach(r, n.name, 'wan0')
      ip('link', 'add', 'lan0', 'netns', r, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host)
      ip('-n', r, 'addr', 'add', `${lanOf(n.name)}.1/24`, 'dev', 'lan0')
      ip('-n', r, 'link', 'set', 'lan0', 'up')
      ip('-n', host, 'addr', 'add', `${lanOf(n.name)}.2/24`, 'dev', 'eth0')
      ip('-n', host, 'link', 'set', 'eth0', 'up')
      ip('-n', host, 'link', 'set', 'lo', 'up')
      ip('-n', host, 'route', 'add', 'default', 'via', `${lanOf(n.name)}.1`)
      inNs(r, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1'])
      inNs(r, 'nft', ['-f', '-'], routerRules())
      if (n.upnp != null && n.upnp !== false) startUpnp(n)
    }
  } catch (err) {
    destroy()
    return (err as { stderr?: Buffer }).stderr?.toString().trim() ?? (err as Error).message
  }

  const spec = (h: string): NatHostSpec => {
    const n = natHosts.find(x => x.name === h)
    if (n == null) throw new Error(`${h} is not behind a router`)
    return n
  }
  return {
    ns: nsOf,
    addr: h => natIndex(h) >= 0 ? `${lanOf(h)}.2` : wanOf(h),
    wanAddr: wanOf,
    restartRouter: async h => {
      const n = spec(h)
      const r = routerOf(h)
      await stopUpnp(h)
      // A router that lost power remembers no connection and no mapping.
      for (const chain of ['miniupnpd', 'prerouting_miniupnpd', 'postrouting_miniupnpd']) inNs(r, 'nft', ['flush', 'chain', 'inet', 'filter', chain])
      rmSync(join(state, h, 'leases'), { force: true })
      inNs(r, 'conntrack', ['-F'])
      if (n.upnp != null && n.upnp !== false) startUpnp(n)
    },
    mappedPorts: h => {
      const rules = inNs(routerOf(spec(h).name), 'nft', ['list', 'chain', 'inet', 'filter', 'prerouting_miniupnpd'])
      return [...rules.matchAll(/ dport (\d+) dnat/g)].map(m => Number(m[1]))
    },
    capUplink: (h, bits) => {
      const burst = Math.max(64 * 1024, Math.round(bits / 8 / 200))
      const [ns, dev] = natIndex(h) >= 0 ? [routerOf(h), 'wan0'] : [nsOf(h), 'eth0']
      inNs(ns, 'tc', ['qdisc', 'replace', 'dev', dev, 'root', 'tbf', 'rate', `${bits}bit`, 'burst', String(burst), 'latency', '200ms'])
    },
    destroy
  }
}
