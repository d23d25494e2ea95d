import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Uint8ArrayList } from 'uint8arraylist'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Bitfield } from '../../../../shared/bitfield.js'
import type { Manifest } from '../../../../shared/manifest.js'
import { pieceLayout } from '../../../../src-main/engine/storage/piece-layout.js'
import { Download, type DownloadInit, type PeerLink, type PieceSource } from '../../../../src-main/engine/download/download.js'
import { log } from '../../../../src-main/engine/base/log.js'
import type { ChannelEvents } from '../../../../src-main/engine/protocols/pieces/index.js'
import { PartFiles } from '../../../../src-main/engine/storage/part-files.js'
import { InitialSeeding } from '../../../../src-main/engine/serving/initial-seeding.js'
import type { UploadSlot } from '../../../../src-main/engine/protocols/pieces/index.js'
import { until } from '../../../helpers/until.js'

const PIECE = 16 * 1024
const COUNT = 12

/** A download of `manifest` into `dir` with nothing on disk yet; the test says how peers are penalized and found. */
async function openDownload (dir: string, manifest: Manifest, peers: Pick<DownloadInit, 'penalize' | 'findPeers'>): Promise<{ download: Download, files: PartFiles }> {
  const layout = pieceLayout(manifest)
  const files = await PartFiles.open(dir, manifest, layout)
  const download = new Download({ cid: 'bafytest', manifest, manifestBytes: new Uint8Array(), layout, files, have: new Bitfield(layout.count), log: log('test'), ...peers })
  return { download, files }
}

/**
 * A peer scripted by the test: it records what the download asks of it and
 * sends only what the test tells it to, so the order of requests, chokes,
 * cancels and late copies is the test's to choose.
 */
class ScriptedSource implements PieceSource {
  readonly requests: number[] = []
  readonly cancels: number[] = []
  readonly announced: number[] = []
  choked = true
  closed = false
  private readonly fns: Partial<ChannelEvents> = {}

  constructor (readonly have: Bitfield, private readonly data: Buffer, private readonly pieceSize = PIECE) {}

  on<E extends keyof ChannelEvents> (event: E, fn: ChannelEvents[E]): void { this.fns[event] = fn }
  run (): void {}
  request (index: number): void { this.requests.push(index) }
  cancel (index: number): void { this.cancels.push(index) }
  announce (index: number): void { this.announced.push(index) }
  close (): void { this.closed = true }

  emit (event: 'have', index: number): void { this.fns[event]?.(index) }
  unchoke (): void { this.choked = false; this.fns.choke?.(false) }
  choke (): void { this.choked = true; this.fns.choke?.(true) }
  leave (err?: Error): void { this.closed = true; this.fns.close?.(err) }
  send (index: number, bytes = this.piece(index)): void { this.fns.piece?.(index, new Uint8ArrayList(bytes)) }
  piece (index: number): Buffer { return this.data.subarray(index * this.pieceSize, (index + 1) * this.pieceSize) }
  /** Answers every outstanding request with the true bytes, except `bad`, which gets junk. */
  serveAll (bad = new Set<number>()): void {
    for (const i of this.requests.splice(0)) this.send(i, bad.has(i) ? randomBytes(this.pieceSize) : undefined)
  }
}

/**
 * An uploader seeding for the first time, scripted the same way but with the real
 * InitialSeeding deciding what the download is shown: what the download says it has
 * reaches the plan as a have frame would, and each piece served counts as sent.
 */
class ScriptedSeeder extends ScriptedSource {
  readonly slot: UploadSlot
  constructor (readonly plan: InitialSeeding, data: Buffer, pieceSize: number) {
    super(new Bitfield(plan.pieceCount), data, pieceSize)
    this.slot = {
      peerId: 'seeder',
      cid: 'c',
      pieceCount: plan.pieceCount,
      theirs: new Bitfield(plan.pieceCount),
      setChoked: () => {},
      deny: () => {},
      withdraw: () => {},
      announce: i => { this.reveal(i) }
    }
    const first = plan.open(this.slot, false)!
    for (let i = 0; i < first.size; i++) if (first.get(i)) this.have.set(i)
  }

  private reveal (i: number): void {
    if (this.have.get(i)) return
    this.have.set(i)
    this.emit('have', i)
  }

  override request (index: number): void { super.request(index); this.plan.requested(this.slot, index) }
  override announce (index: number): void {
    super.announce(index)
    if (this.slot.theirs.get(index)) return
    this.slot.theirs.set(index)
    this.plan.theyHave(this.slot, [index])
  }

  override send (index: number, bytes?: Buffer): void { super.send(index, bytes); this.plan.sent(index) }
}

describe('Download with scripted peers: the races between requests, chokes, cancels and late copies', () => {
  let dir: string
  const data = randomBytes(PIECE * COUNT)
  const hashes = Array.from({ length: COUNT }, (_, i) => createHash('sha256').update(data.subarray(i * PIECE, (i + 1) * PIECE)).digest())
  const manifest: Manifest = { v: 1, name: 'f.bin', pieceSize: PIECE, files: [{ path: ['f.bin'], size: data.byteLength }], pieces: Buffer.concat(hashes) }
  const penalties: Array<{ peerId: string, offence: string, reason: string }> = []
  let searches: Array<ReadonlySet<string>> = []
  let nextPeers: Array<(links: PeerLink[]) => void> = []

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'download-'))
    penalties.length = 0
    searches = []
    nextPeers = []
  })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  const start = async (): Promise<{ download: Download, run: (links: PeerLink[]) => Promise<void> }> => {
    const { download, files } = await openDownload(dir, manifest, {
      penalize: async (peerId, offence, reason) => { penalties.push({ peerId, offence, reason }); return false },
      findPeers: async exclude => { searches.push(exclude); return await new Promise(resolve => nextPeers.push(resolve)) }
    })
    return { download, run: async links => { try { await download.run(links) } finally { await files.close() } } }
  }
  const link = (peerId: string, src: ScriptedSource): PeerLink => ({ peerId, path: 'direct', channel: src })

  it('asks nothing of a choked peer, and after a choke takes the late copies of what it had asked for without punishing anyone', async () => {
    const { download, run } = await start()
    const a = new ScriptedSource(Bitfield.full(COUNT), data)
    const done = run([link('A', a)])
    expect(a.requests).toEqual([])
    a.unchoke()
    expect(a.requests.length).toBeGreaterThan(1)
    const asked = [...a.requests]
    a.requests.length = 0
    a.choke()
    // What was on the wire when the choke came still lands: expected, not "never requested".
    a.send(asked[0]!)
    a.unchoke()
    // Asked again after the unchoke: the copy from before the choke lands first, then the answer
    // to the new request (sent by serveAll) is a second copy. Both are expected.
    a.send(asked[1]!)
    a.serveAll()
    await until(() => { a.serveAll(); return download.finished })
    await done
    expect(penalties).toEqual([])
    expect(Buffer.compare(await readFile(join(dir, 'f.bin')), data)).toBe(0)
  })

  it('lets a second channel to the same peer take over without searching for peers, and finishes through it', async () => {
    const { download, run } = await start()
    const first = new ScriptedSource(Bitfield.full(COUNT), data)
    const done = run([link('A', first)])
    first.unchoke()
    expect(first.requests.length).toBeGreaterThan(0)
    // Two routes found A at once: the second channel replaces the first.
    const second = new ScriptedSource(Bitfield.full(COUNT), data)
    download.addPeer(link('A', second))
    expect(first.closed).toBe(true)
    expect(searches).toEqual([])
    second.unchoke()
    // What was asked of the first channel is asked again of the second.
    expect(second.requests.length).toBeGreaterThan(0)
    await until(() => { second.serveAll(); return download.finished })
    await done
    expect(searches).toEqual([])
    expect(Buffer.compare(await readFile(join(dir, 'f.bin')), data)).toBe(0)
  })

  it('tells every peer that lacks anything of each piece it gains, so an uploader seeding for the first time shows it only what it lacks', async () => {
    const { download, run } = await start()
    const a = new ScriptedSource(Bitfield.full(COUNT), data)
    const partial = new Bitfield(COUNT)
    partial.set(5)
    const b = new ScriptedSource(partial, data)
    const done = run([link('A', a), link('B', b)])
    a.unchoke()
    await until(() => { a.serveAll(); return download.finished })
    await done
    // B does not hold everything, so it hears of every piece, 5 too (a seeder seeding for the first
    // time may have shown it to us and counts it as handed out until we say we have it); A holds
    // everything and hears of nothing.
    expect([...new Set(b.announced)].sort((x, y) => x - y)).toEqual([...Array(COUNT).keys()])
    expect(a.announced).toEqual([])
  })

  it('punishes a piece that was never asked for', async () => {
    const { run } = await start()
    const a = new ScriptedSource(Bitfield.full(COUNT), data)
    const done = run([link('A', a)])
    a.unchoke()
    const unasked = [...Array(COUNT).keys()].find(i => !a.requests.includes(i))!
    a.send(unasked)
    expect(penalties).toEqual([expect.objectContaining({ peerId: 'A', offence: 'violation', reason: `sent piece ${unasked}, which was never requested` })])
    expect(a.closed).toBe(true)
    // The peer is gone: the download looks for others instead of failing.
    await until(() => searches.length > 0)
    nextPeers[0]!([link('B', Object.assign(new ScriptedSource(Bitfield.full(COUNT), data), {}))])
    void done.catch(() => {})
  })

  it('cancels a piece at the slower peer when another delivers it, and takes the slower peer\'s late copy quietly', async () => {
    const { download, run } = await start()
    // Only piece 0 is missing at the end, and both peers have it: endgame asks both.
    const a = new ScriptedSource(Bitfield.full(COUNT), data)
    const b = new ScriptedSource(Bitfield.full(COUNT), data)
    const done = run([link('A', a), link('B', b)])
    a.unchoke()
    b.unchoke()
    await until(() => {
      if (download.finished) return true
      // A answers everything; B answers only what was cancelled, after the fact (a late copy).
      a.serveAll()
      for (const i of b.cancels.splice(0)) b.send(i)
      return false
    })
    await done
    expect(penalties).toEqual([])
    expect(b.requests.length + b.cancels.length).toBeGreaterThan(0)
  })

  it('reports a stall when the only peer\'s copy of a piece is bad, names the piece and the peer, and finishes when a good peer comes', async () => {
    const { download, run } = await start()
    const liar = new ScriptedSource(Bitfield.full(COUNT), data)
    const done = run([link('L', liar)])
    liar.unchoke()
    await until(() => { liar.serveAll(new Set([5])); return download.have.count() === COUNT - 1 })
    const stall = await until(() => download.stall())
    expect(stall).toMatchObject({ pieces: 1, sample: [5], failedBy: ['L'], unavailable: 0 })
    expect(penalties).toEqual([expect.objectContaining({ peerId: 'L', offence: 'hash-fail' })])
    expect(download.finished).toBe(false)

    const honest = new ScriptedSource(Bitfield.full(COUNT), data)
    download.addPeer(link('H', honest))
    honest.unchoke()
    expect(honest.requests).toEqual([5])
    expect(download.stall()).toBeNull()
    honest.serveAll()
    await done
    expect(Buffer.compare(await readFile(join(dir, 'f.bin')), data)).toBe(0)
  })

  it('a piece no connected peer has is a stall too, and says so', async () => {
    const { download, run } = await start()
    const partial = Bitfield.full(COUNT)
    partial.set(9, false)
    const a = new ScriptedSource(partial, data)
    void run([link('A', a)]).catch(() => {})
    a.unchoke()
    await until(() => { a.serveAll(); return download.have.count() === COUNT - 1 })
    expect(download.stall()).toMatchObject({ pieces: 1, sample: [9], failedBy: [], unavailable: 1 })
  })

  it('when every peer leaves it waits for the finder instead of failing, and resumes with whoever it brings', async () => {
    const { download, run } = await start()
    const a = new ScriptedSource(Bitfield.full(COUNT), data)
    const done = run([link('A', a)])
    a.unchoke()
    a.send(a.requests.shift()!)
    await until(() => download.have.count() === 1)
    a.leave(new Error('connection reset'))
    await until(() => searches.length === 1)
    expect(download.finished).toBe(false)
    expect(penalties).toEqual([])
    // The same peer, back on a new connection.
    const again = new ScriptedSource(Bitfield.full(COUNT), data)
    nextPeers[0]!([link('A', again)])
    again.unchoke()
    await until(() => { again.serveAll(); return download.finished })
    await done
    expect(Buffer.compare(await readFile(join(dir, 'f.bin')), data)).toBe(0)
  })
})

describe('Download beside a seeder seeding for the first time and a liar', () => {
  // Pieces big enough that a new peer is asked for a few at a time, as with a real 24 MiB share.
  const SIZE = 256 * 1024
  const N = 16
  const data = randomBytes(SIZE * N)
  const manifest: Manifest = {
    v: 1,
    name: 'f.bin',
    pieceSize: SIZE,
    files: [{ path: ['f.bin'], size: data.byteLength }],
    pieces: Buffer.concat(Array.from({ length: N }, (_, i) => createHash('sha256').update(data.subarray(i * SIZE, (i + 1) * SIZE)).digest()))
  }
  let dir: string
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'download-')) })
  afterEach(async () => {
    vi.restoreAllMocks()
    await rm(dir, { recursive: true, force: true })
  })

  it('finishes from the seeder when what it showed us came from the liar first and the liar\'s copy of another piece is bad', async () => {
    // The race a two-seeder run lost 3 times in 4: the seeder showed us four pieces already on
    // their way from the liar; we took them from the liar and, the seeder "having" them, never
    // said so; it counted all four as handed out to us and showed us nothing more, so the piece
    // the liar got wrong had no good source while the seeder held it.
    // The picker's random start is pinned so the liar is asked for pieces 0-4 first.
    vi.spyOn(Math, 'random').mockReturnValue(0)
    const penalties: string[] = []
    const { download, files } = await openDownload(dir, manifest, {
      penalize: async (peerId, offence) => { penalties.push(`${peerId}:${offence}`); return false },
      findPeers: async () => await new Promise(() => {})
    })
    const liar = new ScriptedSource(Bitfield.full(N), data, SIZE)
    const done = download.run([{ peerId: 'L', path: 'direct', channel: liar }]).finally(async () => { await files.close() })
    liar.unchoke()
    expect(liar.requests).toEqual([0, 1, 2, 3, 4])
    // The seeder's own random start is 0 too: it shows pieces 0-3, all in flight from the liar.
    const seeder = new ScriptedSeeder(new InitialSeeding(N, 4, () => 0), data, SIZE)
    download.addPeer({ peerId: 'S', path: 'direct', channel: seeder })
    seeder.unchoke()
    expect([...Array(N).keys()].filter(i => seeder.have.get(i))).toEqual([0, 1, 2, 3])
    expect(seeder.requests).toEqual([])
    const bad = N - 1
    await until(() => {
      liar.serveAll(new Set([bad]))
      seeder.serveAll()
      return download.finished
    })
    await done
    expect(penalties.filter(p => !p.startsWith('L:'))).toEqual([])
    expect(seeder.requests.length + seeder.slot.theirs.count()).toBeGreaterThan(0)
    expect(Buffer.compare(await readFile(join(dir, 'f.bin')), data)).toBe(0)
  })
})
