import { peerIdFromString } from '@libp2p/peer-id'
import type { CID } from 'multiformats/cid'
import { AccessDeniedError, ContentNotFoundError, InvalidManifestError, UnsafePathError } from '../../../../shared/errors.js'
import type { Manifest } from '../../../../shared/manifest.js'
import type { Logger } from '../../base/log.js'
import type { SwarmNode } from '../../node/create-node.js'
import type { PeerFinder } from '../peer-finder.js'

export interface ManifestFetchInit {
  node: SwarmNode
  cid: CID
  log: Logger
  /** Our proof of access to a private share, per peer. */
  proofFor: (peerId: string) => Uint8Array | undefined
  finder: PeerFinder
  signal: AbortSignal
}

/**
 * The manifest from the first of `peers` that has it, checked against the
 * CID; null when none does. Peers without it are forgotten; a private share
 * that shuts us out everywhere is an error the user must act on.
 */
export async function fetchManifest (init: ManifestFetchInit, peers: string[]): Promise<{ manifest: Manifest, bytes: Uint8Array } | null> {
  const { node, cid, log, proofFor, finder, signal } = init
  let denied: AccessDeniedError | undefined
  for (const p of peers) {
    try {
      return await node.services.manifest.fetch(peerIdFromString(p), cid, { signal, proof: proofFor(p) })
    } catch (err) {
      signal.throwIfAborted()
      log('manifest from %s failed: %s', p, (err as Error).message)
      if (err instanceof ContentNotFoundError) finder.forget(p)
      if (err instanceof AccessDeniedError) denied = err
      // It matched the CID, so every peer would send the same unusable manifest: waiting cannot help.
      if (err instanceof InvalidManifestError || err instanceof UnsafePathError) throw err
    }
  }
  if (denied != null) throw denied
  return null
}
