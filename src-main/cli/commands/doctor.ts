import type { Command } from 'commander'
import { describeReachability, hostPort, type Connectivity } from '../../../shared/connectivity.js'
import type { CliContext, GlobalOpts } from '../context.js'
import type { Output } from '../output.js'
import { startEngine } from '../start-engine.js'

/** A router's UPnP answer takes a second or two; this bounds how long doctor waits for one. */
const MAPPING_WAIT_MS = 10_000

/** `swarmdrop doctor`: how the internet can reach this machine, checked with the hub, in words and (--json) as data. */
export function registerDoctor (cli: CliContext): void {
  cli.command('doctor', 'check how peers can reach this machine: addresses confirmed by the hub, router port mapping, relay, hole punching')
    .action(async (_o, cmd: Command) => { await doctor(cmd.opts<GlobalOpts>(), cli.output(cmd)) })
}

async function doctor (g: GlobalOpts, out: Output): Promise<void> {
  const engine = await startEngine(g, out)
  try {
    let c = await engine.checkReachability()
    const until = Date.now() + MAPPING_WAIT_MS
    while (c.mapping.state === 'searching' && Date.now() < until) {
      await new Promise<void>(resolve => { const off = engine.onConnectivity(() => { off(); resolve() }); setTimeout(() => { off(); resolve() }, until - Date.now()) })
      c = await engine.checkReachability()
    }
    out.event({ event: 'connectivity', peerId: engine.peerId, ...c }, connectivityText(c))
  } finally {
    await engine.stop()
  }
}

/** The report a person reads: the verdict, then each address and how it was checked. */
export function connectivityText (c: Connectivity): string {
  const lines = [describeReachability(c), '', 'Addresses:']
  for (const a of c.addrs) {
    const state = a.confirmed === true ? 'confirmed' : a.confirmed === false ? `not reachable${a.reason != null ? ` (${a.reason})` : ''}` : 'not checked'
    lines.push(`  ${a.scope.padEnd(8)} ${a.source.padEnd(8)} ${state.padEnd(13)} ${a.addr}`)
  }
  const m = c.mapping
  lines.push('', `Router port mapping: ${m.state}${m.external != null ? ` at ${hostPort(m.external) ?? m.external}` : ''}${m.reason != null ? ` (${m.reason})` : ''}`)
  lines.push(`Hub: ${c.hub == null ? 'none' : `${c.hub.peerId}${c.hub.observed != null ? `, sees us at ${hostPort(c.hub.observed) ?? c.hub.observed}` : ''}; relay ${c.hub.reservation != null ? 'slot reserved' : 'no slot'}`}`)
  lines.push(`Hole punching: ${c.holePunch.successes} of ${c.holePunch.attempts} attempt(s) went direct`)
  return lines.join('\n')
}
