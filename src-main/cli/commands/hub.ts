import type { Command } from 'commander'
import { resolve } from 'node:path'
import { parseSize } from '../../../shared/rate.js'
import { Engine, type HubServerConfig } from '../../api/index.js'
import { encrypters, type CliContext, type GlobalOpts } from '../context.js'
import { formatBytes, type Output } from '../output.js'
import { collect, parsePositive } from '../parsers.js'
import { untilSignal } from '../signals.js'
import { noteDamage, notePortChange } from '../start-engine.js'
import { hubServerConfig, readHubFile } from '../hub-config.js'

interface HubOpts extends GlobalOpts {
  config?: string
  relayConnectionBytes?: string
  relayConnectionSeconds?: number
  relayReservations?: number
  relayPeerBytesPerHour?: string
  relayTotalBytesPerHour?: string
  storeAllow: string[]
  storePeerQuota?: string
  storeTotalQuota?: string
  dht: boolean
}

/** `swarmdrop hub`: the server side of the client-server fallback, run until stopped. */
export function registerHub (cli: CliContext): void {
  cli.command('hub', 'run a hub: bootstrap and DHT server, tracker, relay, and optionally a store')
    .option('--config <file>', 'JSON file with the settings below (flags win)')
    .option('--relay-connection-bytes <size>', 'bytes one relayed connection may carry, e.g. 1GiB')
    .option('--relay-connection-seconds <n>', 'seconds one relayed connection may stay open', v => parsePositive(v))
    .option('--relay-reservations <n>', 'relay slots at once', v => parsePositive(v))
    .option('--relay-peer-bytes-per-hour <size>', 'bytes relayed per peer per hour')
    .option('--relay-total-bytes-per-hour <size>', 'bytes relayed per hour in all')
    .option('--store-allow <peerId>', 'peer allowed to push shares to the store (repeatable; no store without one)', collect, [])
    .option('--store-peer-quota <size>', 'bytes each peer may keep in the store')
    .option('--store-total-quota <size>', 'bytes the store may hold in all')
    .option('--no-dht', 'answer DHT queries as a client only (for testing the tracker fallback)')
    .action(async (_o, cmd: Command) => { await hub(cmd.opts<HubOpts>(), cli.output(cmd)) })
}

async function hub (o: HubOpts, out: Output): Promise<void> {
  const file = await readHubFile(o.config)
  const size = (v: string | undefined): number | undefined => v == null ? undefined : parseSize(v)
  const hubServer = hubServerConfig(file, {
    relayConnectionBytes: size(o.relayConnectionBytes),
    relayConnectionSeconds: o.relayConnectionSeconds,
    relayReservations: o.relayReservations,
    relayPeerBytesPerHour: size(o.relayPeerBytesPerHour),
    relayTotalBytesPerHour: size(o.relayTotalBytesPerHour),
    storeAllow: o.storeAllow.length > 0 ? o.storeAllow : undefined,
    storePeerQuota: size(o.storePeerQuota),
    storeTotalQuota: size(o.storeTotalQuota),
    dht: o.dht === false ? false : undefined
  })
  const listen = o.listen.length > 0 ? o.listen : file.listen
  const engine = await Engine.create({
    dataDir: resolve(o.data), listen, bootstrap: o.bootstrap, mdns: o.mdns, publicDht: o.publicDht, encrypters: encrypters(o), hubServer
  })
  try {
    // One line per connection event: a hub's operator watches who comes and goes.
    engine.onConnection(e => {
      out.event({ event: 'connection', type: e.type, peerId: e.peerId, addr: e.addr, direction: e.direction, relayed: e.relayed },
        `${e.type === 'open' ? '+' : '-'} ${e.peerId} ${e.direction} ${e.addr}${e.relayed ? ' (relayed)' : ''}`)
    })
    const { relay, store, dhtServer } = hubServer
    const listening = { peerId: engine.peerId, addrs: engine.addrs(), relay, store: store ?? null, dht: dhtServer !== false }
    out.event({ event: 'listening', ...listening }, listeningText(engine.peerId, engine.addrs(), hubServer))
    // After `listening`: that is the line scripts wait for first.
    notePortChange(engine.portChanged, out)
    noteDamage(engine.state, out)
    await untilSignal()
  } finally {
    await engine.stop()
  }
}

function listeningText (peerId: string, addrs: string[], hubServer: HubServerConfig): string {
  const r = hubServer.relay
  const store = hubServer.store
  const relay = `relay (${formatBytes(r.connectionBytes)} or ${r.connectionMs / 1000} s per connection, ${r.maxReservations} slots, ` +
    `${formatBytes(r.peerBytesPerHour)}/h per peer, ${formatBytes(r.totalBytesPerHour)}/h in all)`
  const kept = store != null
    ? `, store for ${store.allow.length} peer(s) (${formatBytes(store.peerQuotaBytes)} each, ${formatBytes(store.totalQuotaBytes)} in all)`
    : ''
  return `Hub ${peerId} listening on:\n${addrs.map(a => `  ${a}`).join('\n')}\n\n` +
    `Bootstrap and DHT${hubServer.dhtServer === false ? ' (client only)' : ''}, tracker, ${relay}${kept}.\n` +
    'Others use it with --hub or --bootstrap <one of these addresses>. Ctrl+C or SIGTERM stops it.'
}
