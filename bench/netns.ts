import { execFileSync } from 'node:child_process'

/**
 * Hosts made of network namespaces, joined by veth pairs to a Linux bridge
 * that lives in a namespace of its own: a small LAN the test owns entirely.
 * A bridge port can be "isolated": isolated ports cannot reach each other,
 * only the ports that are not (here: two hosts that see a hub but not each other).
 */
export interface Topology {
  addr: (host: string) => string
  ns: (host: string) => string
  isolate: (host: string, on: boolean) => void
  /** Caps what `host` sends (its uplink) with a kernel token bucket on its veth: a home line's upload, enforced below the app. */
  capUplink: (host: string, bitsPerSecond: number) => void
  destroy: () => void
}

function ip (...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' })
}

export function createTopology (tag: string, hosts: string[], subnet: string): Topology | string {
  const id = `${tag}${process.pid % 10000}`
  const bridgeNs = `${id}br`
  const nsOf = (h: string): string => `${id}${h}`
  const port = (h: string): string => `${id}p${h}`
  const addrOf = (h: string): string => `${subnet}.${hosts.indexOf(h) + 1}`
  const destroy = (): void => {
    for (const ns of [...hosts.map(nsOf), bridgeNs]) {
      try { ip('netns', 'del', ns) } catch { /* not there */ }
    }
  }
  try {
    destroy()
    ip('netns', 'add', bridgeNs)
    ip('-n', bridgeNs, 'link', 'add', 'br0', 'type', 'bridge')
    ip('-n', bridgeNs, 'link', 'set', 'br0', 'up')
    for (const h of hosts) {
      ip('netns', 'add', nsOf(h))
      ip('link', 'add', port(h), 'netns', bridgeNs, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', nsOf(h))
      ip('-n', bridgeNs, 'link', 'set', port(h), 'master', 'br0')
      ip('-n', bridgeNs, 'link', 'set', port(h), 'up')
      ip('-n', nsOf(h), 'addr', 'add', `${addrOf(h)}/24`, 'dev', 'eth0')
      ip('-n', nsOf(h), 'link', 'set', 'lo', 'up')
      ip('-n', nsOf(h), 'link', 'set', 'eth0', 'up')
      ip('-n', nsOf(h), 'route', 'add', '224.0.0.0/4', 'dev', 'eth0')
    }
  } catch (err) {
    destroy()
    return (err as { stderr?: Buffer }).stderr?.toString().trim() ?? (err as Error).message
  }
  return {
    addr: addrOf,
    ns: nsOf,
    isolate: (h, on) => { execFileSync('ip', ['netns', 'exec', bridgeNs, 'bridge', 'link', 'set', 'dev', port(h), 'isolated', on ? 'on' : 'off'], { stdio: 'pipe' }) },
    capUplink: (h, bits) => {
      // A burst of a few milliseconds at the rate, at least 64 KiB; queued packets wait up to 200 ms (a bufferbloated home router).
      const burst = Math.max(64 * 1024, Math.round(bits / 8 / 200))
      execFileSync('ip', ['netns', 'exec', nsOf(h), 'tc', 'qdisc', 'replace', 'dev', 'eth0', 'root', 'tbf', 'rate', `${bits}bit`, 'burst', String(burst), 'latency', '200ms'], { stdio: 'pipe' })
    },
    destroy
  }
}
