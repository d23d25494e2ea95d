/** Push to a hub's store: "please keep a copy of this CID". */
export { storeService, StoreService, type StoreInit } from './service.js'
export { LIMITS, PROTOCOL, type StoreProtocolLimits } from './constants.js'
