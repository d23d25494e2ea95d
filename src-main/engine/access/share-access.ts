import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import * as z from 'zod'
import { SECRET_PATTERN } from '../../../shared/link.js'

/**
 * Who may fetch a share. Public when both are empty. A peer is let in when
 * its peer ID is listed, or when it proves it holds the secret from the link.
 */
export interface ShareAccess {
  allow: string[]
  secret: string | null
}

export const PUBLIC: ShareAccess = { allow: [], secret: null }

export const shareAccessSchema = z.object({
  allow: z.array(z.string().max(128)).max(1024),
  secret: z.string().regex(SECRET_PATTERN).nullable()
})

/** A proof is one HMAC-SHA256. */
export const PROOF_BYTES = 32
/** 128 random bits: as hard to guess as the content ID is to forge. */
const SECRET_BYTES = 16
const PROOF_CONTEXT = 'swarmdrop/access/1'

export function isPrivate (access: ShareAccess | undefined): boolean {
  return access != null && (access.allow.length > 0 || access.secret != null)
}

export function newSecret (): string {
  return randomBytes(SECRET_BYTES).toString('base64url')
}

/**
 * What a downloader sends instead of the secret. It is bound to the content
 * and to both peers, so the secret never crosses the wire and a proof made for
 * one seeder is worthless to another (a dishonest seeder cannot replay it).
 */
export function accessProof (secret: string, cid: string, requester: string, responder: string): Uint8Array {
  return createHmac('sha256', secret).update(`${PROOF_CONTEXT}\n${cid}\n${requester}\n${responder}`).digest()
}

/** What a request for a private share carries: the content ID's bytes, then the proof. */
export function withProof (cid: Uint8Array, proof: Uint8Array | undefined): Uint8Array {
  if (proof == null) return cid
  const out = new Uint8Array(cid.byteLength + proof.byteLength)
  out.set(cid)
  out.set(proof, cid.byteLength)
  return out
}

/** May `requester` fetch this share from us (`responder`)? */
export function mayAccess (access: ShareAccess | undefined, cid: string, requester: string, responder: string, proof: Uint8Array | undefined): boolean {
  if (!isPrivate(access)) return true
  if (access!.allow.includes(requester)) return true
  if (access!.secret == null || proof?.byteLength !== PROOF_BYTES) return false
  return timingSafeEqual(accessProof(access!.secret, cid, requester, responder), proof)
}
