import { readFile } from 'node:fs/promises'
import * as z from 'zod'
import { UsageError } from '../../shared/errors.js'
import { parseSize } from '../../shared/rate.js'
import type { HubServerConfig } from '../api/index.js'

/**
 * A hub's settings, from a JSON config file and flags (flags win). Defaults
 * are sized for a small community hub on a home connection: relayed
 * connections big enough for real files, but bounded per peer and in total.
 */
export const HUB_DEFAULTS = {
  /**
   * One relayed connection: 256 MiB or an hour, whichever first (a download
   * cut there dials again and goes on). libp2p's own default (128 KiB, 2 min)
   * only suits signalling. Each new relayed connection is charged this whole
   * cap against the hourly budgets below, and peers behind NATs open one per
   * peer they meet (most then go direct by hole punching), so a large cap
   * would use a NATed seeder's budget up in a handful of connections.
   */
  relayConnectionBytes: 256 * 1024 ** 2,
  relayConnectionSeconds: 3600,
  /** Relay slots at once: each is one peer reachable only through us. */
  relayReservations: 128,
  /** Per peer and in total, per hour: a hub's uplink is finite. */
  relayPeerBytesPerHour: 16 * 1024 ** 3,
  relayTotalBytesPerHour: 64 * 1024 ** 3,
  storePeerQuota: 2 * 1024 ** 3,
  storeTotalQuota: 50 * 1024 ** 3
}

const size = z.union([z.number().int().nonnegative(), z.string().transform(s => parseSize(s))])
export const hubFileSchema = z.object({
  listen: z.array(z.string()).optional(),
  relayConnectionBytes: size.optional(),
  relayConnectionSeconds: z.number().int().positive().optional(),
  relayReservations: z.number().int().positive().optional(),
  relayPeerBytesPerHour: size.optional(),
  relayTotalBytesPerHour: size.optional(),
  /** Peer IDs allowed to push; a store exists only when this is set. */
  storeAllow: z.array(z.string()).optional(),
  storePeerQuota: size.optional(),
  storeTotalQuota: size.optional(),
  dht: z.boolean().optional()
}).strict()
export type HubFile = z.infer<typeof hubFileSchema>

export async function readHubFile (path: string | undefined): Promise<HubFile> {
  if (path == null) return {}
  let text: string
  try { text = await readFile(path, 'utf8') } catch (err) { throw new UsageError(`cannot read hub config ${path}: ${(err as Error).message}`) }
  let json: unknown
  try { json = JSON.parse(text) } catch { throw new UsageError(`hub config ${path} is not JSON`) }
  const parsed = hubFileSchema.safeParse(json)
  if (!parsed.success) throw new UsageError(`hub config ${path}: ${parsed.error.issues.map(i => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
  return parsed.data
}

export function hubServerConfig (file: HubFile, flags: Partial<HubFile>): HubServerConfig {
  const v = { ...HUB_DEFAULTS, ...file, ...Object.fromEntries(Object.entries(flags).filter(([, x]) => x !== undefined)) } as typeof HUB_DEFAULTS & HubFile
  const allow = v.storeAllow ?? []
  return {
    relay: {
      connectionBytes: v.relayConnectionBytes,
      connectionMs: v.relayConnectionSeconds * 1000,
      maxReservations: v.relayReservations,
      peerBytesPerHour: v.relayPeerBytesPerHour,
      totalBytesPerHour: v.relayTotalBytesPerHour
    },
    store: allow.length > 0 ? { allow, peerQuotaBytes: v.storePeerQuota, totalQuotaBytes: v.storeTotalQuota } : undefined,
    dhtServer: v.dht !== false
  }
}
