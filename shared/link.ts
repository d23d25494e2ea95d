import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import { InvalidCidError, InvalidLinkError } from './errors.js'

/**
 * Share links: `swarmdrop://<cid>?name=<n>&peer=<peerId>&addr=<multiaddr>...`
 * `addr` values carry their peer as a `/p2p/<id>` suffix; one without it
 * belongs to the link's only `peer`.
 */
export const LINK_SCHEME = 'swarmdrop:'
/** dag-cbor: the manifest is a dag-cbor document. */
export const MANIFEST_CODEC = 0x71
/** sha2-256 */
export const MANIFEST_HASH = 0x12
/** Links are pasted by people and put in QR codes: anything longer is not a link. */
export const MAX_LINK_LENGTH = 8192
/** Hints past this are noise; the swarm finds the rest. */
export const MAX_LINK_PEERS = 16
export const MAX_LINK_ADDRS = 64

export interface PeerHint {
  peerId: string
  addrs: string[]
}

export interface ShareLink {
  cid: string
  name?: string
  peers: PeerHint[]
  /** A private share's capability: whoever holds the link may fetch it; nobody else can. */
  secret?: string
}

/** 128 bits or more of randomness in base64url; shorter would be guessable, longer is not a link. */
export const SECRET_PATTERN = /^[A-Za-z0-9_-]{22,86}$/

/** Parses and checks a content ID; returns it in its canonical base32 form. */
export function parseCid (input: string): CID {
  const text = input.trim()
  if (text === '') throw new InvalidCidError('empty content ID')
  let cid: CID
  try {
    cid = CID.parse(text)
  } catch {
    throw new InvalidCidError(`not a content ID: "${truncate(text)}"`)
  }
  if (cid.version !== 1) throw new InvalidCidError('content ID must be CIDv1')
  if (cid.code !== MANIFEST_CODEC) throw new InvalidCidError(`content ID does not name a Swarmdrop manifest (codec 0x${cid.code.toString(16)}, expected dag-cbor)`)
  if (cid.multihash.code !== MANIFEST_HASH || cid.multihash.digest.byteLength !== 32) throw new InvalidCidError('content ID must use a sha2-256 hash')
  return cid
}

export function parsePeerId (input: string): string {
  try {
    return peerIdFromString(input.trim()).toString()
  } catch {
    throw new InvalidLinkError(`not a peer ID: "${truncate(input)}"`)
  }
}

/** Accepts a full link or a bare CID. */
export function parseLink (input: string): ShareLink {
  const text = input.trim()
  if (text.length > MAX_LINK_LENGTH) throw new InvalidLinkError(`link is too long (${text.length} characters, at most ${MAX_LINK_LENGTH})`)
  if (!/^swarmdrop:/i.test(text)) {
    if (text.includes('://') || text.includes('?')) throw new InvalidLinkError(`not a swarmdrop:// link or content ID: "${truncate(text)}"`)
    return { cid: parseCid(text).toString(), peers: [] }
  }
  const rest = text.slice(LINK_SCHEME.length).replace(/^\/\//, '')
  const q = rest.indexOf('?')
  const cidPart = decodeURIComponentSafe(q === -1 ? rest : rest.slice(0, q)).replace(/\/$/, '')
  if (cidPart === '') throw new InvalidLinkError('link has no content ID')
  let cid: string
  try {
    cid = parseCid(cidPart).toString()
  } catch (err) {
    throw new InvalidLinkError(`link has a bad content ID: ${(err as Error).message}`)
  }
  const params = new URLSearchParams(q === -1 ? '' : rest.slice(q + 1))
  const peerIds = params.getAll('peer').map(parsePeerId)
  if (peerIds.length > MAX_LINK_PEERS) throw new InvalidLinkError(`link names too many peers (${peerIds.length}, at most ${MAX_LINK_PEERS})`)
  const addrs = params.getAll('addr')
  if (addrs.length > MAX_LINK_ADDRS) throw new InvalidLinkError(`link has too many addresses (${addrs.length}, at most ${MAX_LINK_ADDRS})`)

  const peers = new Map<string, string[]>()
  for (const id of peerIds) peers.set(id, [])
  for (const a of addrs) {
    let ma
    try {
      ma = multiaddr(a)
    } catch {
      throw new InvalidLinkError(`link has a bad address: "${truncate(a)}"`)
    }
    let owner = ma.getComponents().findLast(c => c.name === 'p2p')?.value
    if (owner == null) {
      if (peerIds.length !== 1) throw new InvalidLinkError(`address "${truncate(a)}" must end in /p2p/<peerId> when the link names ${peerIds.length} peers`)
      owner = peerIds[0]!
      ma = ma.encapsulate(`/p2p/${owner}`)
    } else {
      owner = parsePeerId(owner)
    }
    const list = peers.get(owner) ?? []
    list.push(ma.toString())
    peers.set(owner, list)
  }
  const name = params.get('name') ?? undefined
  const link: ShareLink = { cid, peers: [...peers].map(([peerId, list]) => ({ peerId, addrs: list })) }
  if (name != null && name !== '') link.name = name
  const secret = params.get('secret')
  if (secret != null) {
    if (!SECRET_PATTERN.test(secret)) throw new InvalidLinkError('link has a malformed secret (expected 22 to 86 base64url characters)')
    link.secret = secret
  }
  return link
}

export function formatLink (link: ShareLink): string {
  const params = new URLSearchParams()
  if (link.name != null) params.append('name', link.name)
  if (link.secret != null) params.append('secret', link.secret)
  for (const p of link.peers.slice(0, MAX_LINK_PEERS)) {
    params.append('peer', p.peerId)
    for (const a of p.addrs) params.append('addr', a.endsWith(`/p2p/${p.peerId}`) ? a : `${a}/p2p/${p.peerId}`)
  }
  const query = params.toString()
  return `swarmdrop://${parseCid(link.cid).toString()}${query === '' ? '' : `?${query}`}`
}

/**
 * One link from two for the same content (a link pasted for a download that
 * already runs): the newer one's peers first, the older one's after, each
 * peer's addresses merged, and the newer secret if it brings one.
 */
export function mergeLinks (older: string, newer: string): string {
  const a = parseLink(older)
  const b = parseLink(newer)
  if (a.cid !== b.cid) throw new InvalidLinkError('these links are for different content')
  const peers: PeerHint[] = b.peers.map(p => ({ peerId: p.peerId, addrs: [...p.addrs] }))
  for (const p of a.peers) {
    const same = peers.find(q => q.peerId === p.peerId)
    if (same == null) peers.push({ peerId: p.peerId, addrs: [...p.addrs] })
    else for (const addr of p.addrs) if (!same.addrs.includes(addr)) same.addrs.push(addr)
  }
  let addrs = 0
  const kept = peers.slice(0, MAX_LINK_PEERS).map(p => ({ peerId: p.peerId, addrs: p.addrs.filter(() => ++addrs <= MAX_LINK_ADDRS) }))
  const name = b.name ?? a.name
  const secret = b.secret ?? a.secret
  return formatLink({ cid: a.cid, peers: kept, ...(name != null ? { name } : {}), ...(secret != null ? { secret } : {}) })
}

function decodeURIComponentSafe (s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    throw new InvalidLinkError('link has broken percent-encoding')
  }
}

function truncate (s: string, max = 80): string {
  return s.length > max ? `${s.slice(0, max)}…` : s
}
