import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Stream } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { lpStream, streamPair, type LengthPrefixedStream } from '@libp2p/utils'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Bitfield } from '../../../../shared/bitfield.js'
import { ProtocolViolationError } from '../../../../shared/errors.js'
import { accessProof, newSecret, withProof, type ShareAccess } from '../../../../src-main/engine/access/share-access.js'
import { pieceLayout } from '../../../../src-main/engine/storage/piece-layout.js'
import { Library, type ServedContent } from '../../../../src-main/engine/content/library.js'
import { SharedFileReader } from '../../../../src-main/engine/content/shared-file-reader.js'
import { LIMITS, MAX_PIECE_FRAME, type PiecesLimits } from '../../../../src-main/engine/protocols/pieces/constants.js'
import { decode, encode, ErrorReason, type PieceMessage } from '../../../../src-main/engine/protocols/pieces/messages.js'
import { UploadSession } from '../../../../src-main/engine/protocols/pieces/upload-session.js'
import { SHARE_CHANGED_MESSAGE, type UploadPolicy, type UploadSlot } from '../../../../src-main/engine/protocols/pieces/uploader.js'
import { FileHandleCache } from '../../../../src-main/engine/storage/file-cache.js'
import { stampOf, type FileStamp } from '../../../../src-main/engine/storage/file-stamp.js'

const PIECE = 16 * 1024
/** Five pieces, the last one short. */
const SIZE = 4 * PIECE + 1000
const COUNT = 5
const SELF = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const DOWNLOADER = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const CONTENT_ID = CID.createV1(0x55, await sha256.digest(Uint8Array.of(1, 2, 3)))

/**
 * The downloader's end of the stream, scripted by the test: it speaks the real
 * wire format (length-prefixed frames from messages.ts) and nothing else.
 */
class ScriptedDownloader {
  private readonly lp: LengthPrefixedStream

  constructor (readonly stream: Stream) {
    this.lp = lpStream(stream, { maxDataLength: MAX_PIECE_FRAME })
  }

  async send (msg: PieceMessage): Promise<void> { await this.lp.write(encode(msg)) }
  /** A frame the codec would never produce. */
  async sendRaw (frame: Uint8Array): Promise<void> { await this.lp.write(frame) }
  async hello (proof?: Uint8Array): Promise<void> { await this.send({ type: 'hello', cid: withProof(CONTENT_ID.bytes, proof) }) }
  async next (): Promise<PieceMessage> { return decode(await this.lp.read({ signal: AbortSignal.timeout(5_000) })) }
  /** Says hello and takes the greeting: what the uploader holds, then whether we are choked. */
  async open (): Promise<[PieceMessage, PieceMessage]> {
    await this.hello()
    return [await this.next(), await this.next()]
  }

  /** Resolves once the uploader closed its side; fails on any further frame. */
  async expectEnd (): Promise<void> {
    await expect(this.next()).rejects.toThrow(/Unexpected EOF/)
  }

  async close (): Promise<void> { await this.stream.close() }
}

/** Records what the session tells the upload policy; the test steers it through `slot`. */
class RecordingPolicy implements UploadPolicy {
  slot?: UploadSlot
  closes = 0
  readonly requests: number[] = []
  readonly gained: number[][] = []
  readonly sentPieces: number[] = []
  /** Writers waiting in beforeSend right now. */
  waiting = 0
  private gate?: Promise<void>
  private release?: () => void

  constructor (private readonly startUnchoked = true, private readonly shown: Bitfield | null = null) {}

  open (slot: UploadSlot): boolean { this.slot = slot; return this.startUnchoked }
  close (): void { this.closes++ }
  advertise (): Bitfield | null { return this.shown }
  requested (_slot: UploadSlot, index: number): void { this.requests.push(index) }
  theyHave (_slot: UploadSlot, indices: number[]): void { this.gained.push(indices) }
  uploaded (_slot: UploadSlot, _bytes: number, index: number): void { this.sentPieces.push(index) }

  /** Waits while held, as a rate limit out of tokens does, and gives up when the session aborts the wait. */
  async beforeSend (_slot: UploadSlot, _bytes: number, signal: AbortSignal): Promise<void> {
    const gate = this.gate
    if (gate == null) return
    this.waiting++
    try {
      await new Promise<void>((resolve, reject) => {
        void gate.then(resolve)
        signal.addEventListener('abort', () => { reject(signal.reason as Error) }, { once: true })
      })
    } finally {
      this.waiting--
    }
  }

  /** Stops pieces going out (as an exhausted rate limit would) until `letGo` is called. */
  hold (): void { this.gate = new Promise(resolve => { this.release = resolve }) }
  letGo (): void { this.release?.(); this.gate = undefined }
}

describe('UploadSession over an in-process stream pair', () => {
  let dir: string
  let file: string
  let data: Buffer
  let stamp: FileStamp
  let handles: FileHandleCache
  let reader: SharedFileReader
  const streams: Stream[] = []

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'upload-session-'))
    file = join(dir, 'shared.bin')
    data = randomBytes(SIZE)
    await writeFile(file, data)
    stamp = stampOf(await stat(file))
    handles = new FileHandleCache()
    // Checked on every read, so a change to the file shows at once.
    reader = new SharedFileReader(handles, Date.now, stat, 0)
  })
  afterEach(async () => {
    for (const s of streams.splice(0)) s.abort(new Error('test over'))
    await handles.closeAll()
    await rm(dir, { recursive: true, force: true })
  })

  const layout = pieceLayout({ pieceSize: PIECE, files: [{ path: ['shared.bin'], size: SIZE }] })
  const piece = (index: number): Buffer => data.subarray(layout.offsetOf[index]!, layout.offsetOf[index]! + layout.lengthOf[index]!)

  /** The temp file served as a share's content, read by the real changed-file-checking reader. */
  const served = (opts: { have?: Bitfield, access?: ShareAccess, onHave?: ServedContent['onHave'] } = {}): ServedContent => ({
    cid: CONTENT_ID.toString(),
    manifestBytes: new Uint8Array(),
    pieceCount: layout.count,
    pieceLength: index => layout.lengthOf[index]!,
    have: () => opts.have ?? null,
    readPiece: async index => await reader.read(file, stamp, layout.offsetOf[index]!, layout.lengthOf[index]!),
    onHave: opts.onHave,
    access: opts.access
  })

  const libraryOf = (item: ServedContent): Library => {
    const library = new Library()
    library.addLive(item)
    return library
  }

  /** Starts a session on one end of a fresh stream pair; `outcome` is null when it ended cleanly, else what it threw. */
  const start = async (content: Library, policy: UploadPolicy, limits: Partial<PiecesLimits> = {}): Promise<{ downloader: ScriptedDownloader, outcome: Promise<unknown> }> => {
    const [outbound, inbound] = await streamPair()
    streams.push(outbound, inbound)
    const session = new UploadSession({ stream: inbound, remotePeer: DOWNLOADER, content, self: SELF.toString(), log: logger('swarmdrop:test:upload'), policy, limits: { ...LIMITS, ...limits } })
    const outcome = session.run().then(() => null, (err: unknown) => err)
    return { downloader: new ScriptedDownloader(outbound), outcome }
  }

  const expectPiece = (msg: PieceMessage, index: number): void => {
    expect(msg.type === 'piece' ? msg.index : msg).toBe(index)
    if (msg.type === 'piece') expect(Buffer.from(msg.data.subarray()).equals(piece(index))).toBe(true)
  }

  describe('requests', () => {
    it('answers a request for a held piece with its bytes, in the order asked, the short last piece included', async () => {
      const policy = new RecordingPolicy()
      const { downloader, outcome } = await start(libraryOf(served()), policy)
      expect(await downloader.open()).toEqual([{ type: 'have-all' }, { type: 'unchoke' }])
      await downloader.send({ type: 'request', index: COUNT - 1 })
      await downloader.send({ type: 'request', index: 0 })
      expectPiece(await downloader.next(), COUNT - 1)
      expectPiece(await downloader.next(), 0)
      expect(policy.requests).toEqual([COUNT - 1, 0])
      expect(policy.sentPieces).toEqual([COUNT - 1, 0])
      await downloader.close()
      expect(await outcome).toBeNull()
    })

    it('shows a partial holder\'s bitfield and rejects a request for a piece it does not hold, serving the next one', async () => {
      const have = Bitfield.full(COUNT)
      have.set(2, false)
      const policy = new RecordingPolicy()
      const { downloader, outcome } = await start(libraryOf(served({ have })), policy)
      const [first] = await downloader.open()
      expect(first).toMatchObject({ type: 'bitfield', size: COUNT })
      expect(first.type === 'bitfield' && [...first.bits]).toEqual([...have.bytes])
      await downloader.send({ type: 'request', index: 2 })
      await downloader.send({ type: 'request', index: 1 })
      expect(await downloader.next()).toEqual({ type: 'reject', index: 2 })
      expectPiece(await downloader.next(), 1)
      expect(policy.sentPieces).toEqual([1])
      await downloader.close()
      expect(await outcome).toBeNull()
    })

    it('reports a request past the last piece as a violation, and closes the stream', async () => {
      const policy = new RecordingPolicy()
      const { downloader, outcome } = await start(libraryOf(served()), policy)
      await downloader.open()
      await downloader.send({ type: 'request', index: COUNT })
      const err = await outcome
      expect(err).toBeInstanceOf(ProtocolViolationError)
      expect((err as Error).message).toBe(`piece index ${COUNT} out of range`)
      await downloader.expectEnd()
      expect(policy.closes).toBe(1)
    })

    it('takes a cancelled request out of the queue: the piece after it comes next', async () => {
      const policy = new RecordingPolicy()
      policy.hold()
      const { downloader, outcome } = await start(libraryOf(served()), policy)
      await downloader.open()
      await downloader.send({ type: 'request', index: 0 })
      await vi.waitFor(() => { expect(policy.waiting).toBe(1) })
      for (const index of [1, 2]) await downloader.send({ type: 'request', index })
      await downloader.send({ type: 'cancel', index: 1 })
      // Frames are handled in order: once this have is seen, so was the cancel.
      await downloader.send({ type: 'have', index: 4 })
      await vi.waitFor(() => { expect(policy.gained).toEqual([[4]]) })
      policy.letGo()
      expectPiece(await downloader.next(), 0)
      expectPiece(await downloader.next(), 2)
      expect(policy.sentPieces).toEqual([0, 2])
      await downloader.close()
      expect(await outcome).toBeNull()
    })

    it(`reports more than maxQueuedRequests requests waiting as a flood`, async () => {
      const policy = new RecordingPolicy()
      policy.hold()
      const { downloader, outcome } = await start(libraryOf(served()), policy, { maxQueuedRequests: 2 })
      await downloader.open()
      await downloader.send({ type: 'request', index: 0 })
      // The writer holds piece 0, waiting for tokens: the next requests queue up behind it.
      await vi.waitFor(() => { expect(policy.waiting).toBe(1) })
      for (const index of [1, 2, 3]) await downloader.send({ type: 'request', index })
      const err = await outcome
      expect(err).toBeInstanceOf(ProtocolViolationError)
      expect((err as Error).message).toBe('more than 2 requests queued')
      expect(policy.requests).toEqual([0, 1, 2])
      // The session's end aborted the wait for tokens: piece 0 never went out.
      expect(policy.waiting).toBe(0)
      expect(policy.sentPieces).toEqual([])
      await downloader.expectEnd()
    })
  })

  describe('upload slots and choking', () => {
    /** A downloader that asked for pieces 0-2 while the policy held piece 0 back for tokens, then was choked. */
    const chokedWithThreeQueued = async (): Promise<{ policy: RecordingPolicy, downloader: ScriptedDownloader, outcome: Promise<unknown> }> => {
      const policy = new RecordingPolicy()
      policy.hold()
      const { downloader, outcome } = await start(libraryOf(served()), policy)
      await downloader.open()
      for (const index of [0, 1, 2]) await downloader.send({ type: 'request', index })
      await vi.waitFor(() => { expect(policy.requests).toEqual([0, 1, 2]) })
      policy.slot!.setChoked(true)
      expect(await downloader.next()).toEqual({ type: 'choke' })
      return { policy, downloader, outcome }
    }

    it('greets a downloader without a slot with choke, and rejects its requests until the policy unchokes it', async () => {
      const policy = new RecordingPolicy(false)
      const { downloader, outcome } = await start(libraryOf(served()), policy)
      expect(await downloader.open()).toEqual([{ type: 'have-all' }, { type: 'choke' }])
      await downloader.send({ type: 'request', index: 0 })
      expect(await downloader.next()).toEqual({ type: 'reject', index: 0 })
      // A choked request is not queued, so the policy never hears of it.
      expect(policy.requests).toEqual([])
      policy.slot!.setChoked(false)
      // Unchoking an unchoked downloader says nothing more.
      policy.slot!.setChoked(false)
      expect(await downloader.next()).toEqual({ type: 'unchoke' })
      await downloader.send({ type: 'request', index: 3 })
      expectPiece(await downloader.next(), 3)
      await downloader.close()
      expect(await outcome).toBeNull()
    })

    it('drops the requests queued at a choke: after the unchoke only what is asked again goes out', async () => {
      const { policy, downloader, outcome } = await chokedWithThreeQueued()
      policy.slot!.setChoked(false)
      expect(await downloader.next()).toEqual({ type: 'unchoke' })
      await downloader.send({ type: 'request', index: 4 })
      await vi.waitFor(() => { expect(policy.requests).toEqual([0, 1, 2, 4]) })
      policy.letGo()
      // Piece 0 was off the queue, waiting for tokens, and the downloader is unchoked again when they come: it goes.
      expectPiece(await downloader.next(), 0)
      expectPiece(await downloader.next(), 4)
      expect(policy.sentPieces).toEqual([0, 4])
      await downloader.close()
      expect(await outcome).toBeNull()
    })

    it('drops the piece waiting for tokens if the downloader is still choked when they come', async () => {
      const { policy, downloader, outcome } = await chokedWithThreeQueued()
      policy.letGo()
      // The writer gets its tokens for piece 0 and finds the downloader choked.
      await vi.waitFor(() => { expect(policy.waiting).toBe(0) })
      policy.slot!.setChoked(false)
      expect(await downloader.next()).toEqual({ type: 'unchoke' })
      await downloader.send({ type: 'request', index: 4 })
      expectPiece(await downloader.next(), 4)
      expect(policy.sentPieces).toEqual([4])
      await downloader.close()
      expect(await outcome).toBeNull()
    })

    it('shows a first-time seed\'s downloader only what the policy advertises, then each announced piece once', async () => {
      const shown = new Bitfield(COUNT)
      shown.set(0)
      const policy = new RecordingPolicy(true, shown)
      const { downloader, outcome } = await start(libraryOf(served()), policy)
      const [first] = await downloader.open()
      expect(first.type === 'bitfield' && [...first.bits]).toEqual([...shown.bytes])
      policy.slot!.announce(0)
      policy.slot!.announce(3)
      policy.slot!.announce(3)
      policy.slot!.announce(1)
      expect(await downloader.next()).toEqual({ type: 'have', index: 3 })
      expect(await downloader.next()).toEqual({ type: 'have', index: 1 })
      await downloader.close()
      expect(await outcome).toBeNull()
      expect(policy.closes).toBe(1)
    })

    it('tells a downloader of each piece a partial holder gains while it is connected', async () => {
      const listeners = new Set<(index: number) => void>()
      const have = new Bitfield(COUNT)
      const { downloader, outcome } = await start(libraryOf(served({ have, onHave: l => { listeners.add(l); return () => listeners.delete(l) } })), new RecordingPolicy())
      await downloader.open()
      have.set(2)
      for (const l of listeners) l(2)
      expect(await downloader.next()).toEqual({ type: 'have', index: 2 })
      await downloader.close()
      expect(await outcome).toBeNull()
      // Unsubscribed once the session ended.
      expect(listeners.size).toBe(0)
    })
  })

  describe('what the downloader holds', () => {
    it('passes the policy the pieces a bitfield and have frames add, and nothing already known', async () => {
      const policy = new RecordingPolicy()
      const { downloader, outcome } = await start(libraryOf(served()), policy)
      await downloader.open()
      const theirs = new Bitfield(COUNT)
      theirs.set(1)
      theirs.set(3)
      await downloader.send({ type: 'bitfield', size: COUNT, bits: theirs.bytes })
      await downloader.send({ type: 'have', index: 4 })
      await downloader.send({ type: 'have', index: 3 })
      await downloader.send({ type: 'have', index: 0 })
      await vi.waitFor(() => { expect(policy.gained).toEqual([[1, 3], [4], [0]]) })
      expect([...policy.slot!.theirs.bytes]).toEqual([0b11011000])
      await downloader.close()
      expect(await outcome).toBeNull()
    })

    it('reports a second bitfield as a violation', async () => {
      const { downloader, outcome } = await start(libraryOf(served()), new RecordingPolicy())
      await downloader.open()
      const none = new Bitfield(COUNT)
      await downloader.send({ type: 'bitfield', size: COUNT, bits: none.bytes })
      await downloader.send({ type: 'bitfield', size: COUNT, bits: none.bytes })
      expect(await outcome).toMatchObject({ message: 'a second bitfield from a downloader' })
    })

    it('tolerates maxRedundantHaves repeated haves, and reports the next as a flood', async () => {
      const policy = new RecordingPolicy()
      const { downloader, outcome } = await start(libraryOf(served()), policy, { maxRedundantHaves: 2 })
      await downloader.open()
      for (let i = 0; i < 3; i++) await downloader.send({ type: 'have', index: 1 })
      await vi.waitFor(() => { expect(policy.gained).toEqual([[1]]) })
      await downloader.send({ type: 'have', index: 1 })
      const err = await outcome
      expect(err).toBeInstanceOf(ProtocolViolationError)
      expect((err as Error).message).toBe('more than 2 have frames for pieces it had already announced')
    })
  })

  describe('bad frames', () => {
    it('reports a malformed frame as a violation and ends the session, closing the stream', async () => {
      const policy = new RecordingPolicy()
      const { downloader, outcome } = await start(libraryOf(served()), policy)
      await downloader.open()
      // A request frame two bytes short.
      await downloader.sendRaw(Uint8Array.of(5, 0, 0))
      const err = await outcome
      expect(err).toBeInstanceOf(ProtocolViolationError)
      expect((err as Error).message).toBe('peer sent a bad frame: frame must be exactly 5 bytes')
      await downloader.expectEnd()
      expect(policy.closes).toBe(1)
    })

    it('reports a frame only an uploader sends as a violation', async () => {
      const { downloader, outcome } = await start(libraryOf(served()), new RecordingPolicy())
      await downloader.open()
      await downloader.send({ type: 'unchoke' })
      expect(await outcome).toMatchObject({ message: 'unexpected unchoke frame from a downloader' })
    })

    it('reports a first frame other than hello as a violation, before saying anything', async () => {
      const policy = new RecordingPolicy()
      const { downloader, outcome } = await start(libraryOf(served()), policy)
      await downloader.send({ type: 'request', index: 0 })
      expect(await outcome).toMatchObject({ message: 'first frame must be hello' })
      expect(policy.slot).toBeUndefined()
    })

    it('reports a hello whose proof is not 32 bytes as a violation', async () => {
      const { downloader, outcome } = await start(libraryOf(served()), new RecordingPolicy())
      await downloader.hello(new Uint8Array(5))
      expect(await outcome).toMatchObject({ message: 'hello carries a malformed access proof' })
    })
  })

  describe('refusals and endings', () => {
    it('answers a hello for content it no longer serves with NOT_FOUND and the reason, and ends cleanly', async () => {
      const library = new Library()
      library.addSource({ get: () => undefined, whyGone: cid => cid === CONTENT_ID.toString() ? 'no longer shared: the file changed' : undefined })
      const policy = new RecordingPolicy()
      const { downloader, outcome } = await start(library, policy)
      await downloader.hello()
      expect(await downloader.next()).toEqual({ type: 'error', reason: ErrorReason.NOT_FOUND, message: 'no longer shared: the file changed' })
      await downloader.expectEnd()
      expect(await outcome).toBeNull()
      expect(policy.slot).toBeUndefined()
    })

    it('refuses a private share to a peer with no proof and not on the list, and serves one with the proof', async () => {
      const secret = newSecret()
      const library = libraryOf(served({ access: { allow: [], secret } }))
      const refused = await start(library, new RecordingPolicy())
      await refused.downloader.hello()
      expect(await refused.downloader.next()).toMatchObject({ type: 'error', reason: ErrorReason.DENIED })
      expect(await refused.outcome).toBeNull()

      const admitted = await start(library, new RecordingPolicy())
      await admitted.downloader.hello(accessProof(secret, CONTENT_ID.toString(), DOWNLOADER.toString(), SELF.toString()))
      expect(await admitted.downloader.next()).toEqual({ type: 'have-all' })
      await admitted.downloader.close()
      expect(await admitted.outcome).toBeNull()
    })

    it('ends cleanly, closing its side and the slot, when the downloader closes', async () => {
      const policy = new RecordingPolicy()
      const { downloader, outcome } = await start(libraryOf(served()), policy)
      await downloader.open()
      await downloader.close()
      expect(await outcome).toBeNull()
      await downloader.expectEnd()
      expect(policy.closes).toBe(1)
    })

    it('ends cleanly, without blaming the downloader, when it asks for nothing within the idle timeout', async () => {
      const policy = new RecordingPolicy()
      const { downloader, outcome } = await start(libraryOf(served()), policy, { idleTimeoutMs: 200 })
      await downloader.open()
      expect(await outcome).toBeNull()
      await downloader.expectEnd()
      expect(policy.closes).toBe(1)
    })

    it('withdraws a share whose file changed: NOT_FOUND with the reason, and not a byte of the new file', async () => {
      const policy = new RecordingPolicy()
      const { downloader, outcome } = await start(libraryOf(served()), policy)
      await downloader.open()
      const st = await stat(file)
      await utimes(file, st.atime, new Date(st.mtimeMs + 5_000))
      await downloader.send({ type: 'request', index: 0 })
      expect(await downloader.next()).toEqual({ type: 'error', reason: ErrorReason.NOT_FOUND, message: SHARE_CHANGED_MESSAGE })
      await downloader.expectEnd()
      expect(policy.sentPieces).toEqual([])
      // The downloader hangs up on hearing it; nothing it did was a violation.
      await downloader.close()
      expect(await outcome).toBeNull()
    })

    it('a denied downloader hears DENIED with the reason, and the stream is reset', async () => {
      const policy = new RecordingPolicy()
      const { downloader, outcome } = await start(libraryOf(served()), policy)
      await downloader.open()
      policy.slot!.deny('access revoked')
      expect(await downloader.next()).toEqual({ type: 'error', reason: ErrorReason.DENIED, message: 'access revoked' })
      await expect(downloader.next()).rejects.toThrow()
      expect(await outcome).toBeNull()
      expect(policy.closes).toBe(1)
    })
  })
})
