import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { createHash } from 'node:crypto'
import { InvalidManifestError, ManifestMismatchError } from '../../../shared/errors.js'
import { MANIFEST_CODEC, MANIFEST_HASH } from '../../../shared/link.js'
import { manifestSchema, MAX_MANIFEST_BYTES, MAX_PIECES, pieceCount, PIECE_HASH_LENGTH, type Manifest } from '../../../shared/manifest.js'
import { checkManifestPaths } from '../storage/sanitise.js'

export interface EncodedManifest {
  cid: CID
  bytes: Uint8Array
}

export function encodeManifest (m: Manifest): EncodedManifest {
  validateManifest(m)
  const bytes = dagCbor.encode(m)
  if (bytes.byteLength > MAX_MANIFEST_BYTES) throw new InvalidManifestError(`manifest is ${bytes.byteLength} bytes, more than the ${MAX_MANIFEST_BYTES} allowed; split the share`)
  return { cid: cidOf(bytes), bytes }
}

export function cidOf (bytes: Uint8Array): CID {
  const digest = createHash('sha256').update(bytes).digest()
  return CID.createV1(MANIFEST_CODEC, createDigest(MANIFEST_HASH, digest))
}

/**
 * Checks bytes against the CID before decoding anything: a peer can send any
 * bytes, but only the right ones hash to what the user asked for. So every
 * error after that check is the content's own (the same from every peer),
 * and a mismatch is only the sending peer's. The wire's frame cap bounds what
 * is hashed here.
 */
export function decodeManifest (bytes: Uint8Array, expected: CID): Manifest {
  const actual = cidOf(bytes)
  if (actual.toString() !== expected.toString()) throw new ManifestMismatchError(`manifest does not match content ID ${expected.toString()}`)
  if (bytes.byteLength > MAX_MANIFEST_BYTES) throw new InvalidManifestError(`manifest is too large (${bytes.byteLength} bytes)`)
  let value: unknown
  try {
    value = dagCbor.decode(bytes)
  } catch (err) {
    throw new InvalidManifestError('manifest is not valid dag-cbor', err)
  }
  const parsed = manifestSchema.safeParse(value)
  if (!parsed.success) throw new InvalidManifestError(`manifest is malformed: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`.trim())
  const m = parsed.data as Manifest
  validateManifest(m)
  return m
}

/** Checks that hold for our own manifests and for anyone else's. */
export function validateManifest (m: Manifest): void {
  const parsed = manifestSchema.safeParse(m)
  if (!parsed.success) throw new InvalidManifestError(`manifest is malformed: ${parsed.error.issues[0]?.message ?? ''}`)
  const n = pieceCount(m)
  if (n > MAX_PIECES) throw new InvalidManifestError(`manifest has ${n} pieces, more than ${MAX_PIECES}`)
  if (m.pieces.byteLength !== n * PIECE_HASH_LENGTH) throw new InvalidManifestError(`manifest has ${m.pieces.byteLength / PIECE_HASH_LENGTH} piece hashes for ${n} pieces`)
  checkManifestPaths(m.files.map(f => f.path))
}
