/** The tracker: peers tell a hub which CIDs they hold, and ask it who holds a CID. */
export { trackerService, TrackerService, type TrackerInit } from './service.js'
export { TrackerTable } from './table.js'
export { ANNOUNCE_EVERY_MS, ANNOUNCE_TTL_MS, LIMITS, MAX_ENTRIES, MAX_PEERS_PER_CID, PROTOCOL, type TrackerLimits } from './constants.js'
