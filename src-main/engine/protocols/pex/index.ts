/** Peer exchange: members of a swarm tell each other who else is in it. */
export { pexService, PexService, type PexInit } from './service.js'
export { LIMITS, PROTOCOL, type PexLimits } from './constants.js'
