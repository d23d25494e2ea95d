/**
 * The node's identity on its own, apart from `api/index.ts`: what `swarmdrop id`
 * needs is the key file, and importing the index would load the whole engine.
 */
export { peerIdOf } from '../engine/identity.js'
