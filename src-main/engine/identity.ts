/**
 * The engine's second door, beside index.ts: the node's identity alone.
 * `swarmdrop id` needs only the key file, and index.ts would load the whole
 * libp2p stack to print a peer ID.
 */
export { peerIdOf } from './node/identity.js'
