/** Manifests by CID: served from what we share, fetched from others and checked against the CID. */
export { manifestService, ManifestService, type FetchedManifest, type ManifestServiceInit } from './service.js'
export { LIMITS, PROTOCOL, type ManifestLimits } from './constants.js'
export { Status } from './messages.js'
