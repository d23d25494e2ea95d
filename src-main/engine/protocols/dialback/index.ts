/** Reachability, confirmed: a hub dials a peer back at the addresses it says it has, and says which answered. */
export { dialBackService, DialBackService, screenCandidate, type DialBackInit } from './service.js'
export { DIAL_BACK_TIMEOUT_MS, LIMITS, PROTOCOL, type DialBackLimits } from './constants.js'
export type { DialBackAnswer, DialBackResult } from './messages.js'
