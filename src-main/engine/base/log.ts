import { logger } from '@libp2p/logger'
import type { Logger } from '@libp2p/logger'

/** One logger, namespaced `swarmdrop:<area>`, switched on with DEBUG=swarmdrop:*. */
export function log (area: string): Logger {
  return logger(`swarmdrop:${area}`)
}

export type { Logger }
