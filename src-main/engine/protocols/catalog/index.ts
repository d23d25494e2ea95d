/** What a peer shares: asked for when someone joins by peer ID. */
export { catalogService, CatalogService, type CatalogInit } from './service.js'
export { LIMITS, PROTOCOL, type CatalogLimits } from './constants.js'
