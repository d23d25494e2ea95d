import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { tempDir } from './cleanup.js'
import { randomFile } from './files.js'
import { table, verdict, writeResult } from './report.js'
import { LOCAL_ONLY, SwarmdropProcess } from './swarmdrop-cli.js'
import { startSeeder } from './swarmdrop-run.js'

/**
 * The start-up and many-small-files suite (`npm run bench -- files`): what a
 * command costs before it does anything, and what thousands of small files
 * cost against the same bytes in one file. Each `get` has a fresh seeder
 * and fresh data folders; rounds are interleaved and the best kept.
 */
export interface SmallFilesOptions {
  /** Files in the folder (default 3,000). */
  count: number
  /** Bytes each (default 20 KB). */
  fileBytes: number
  rounds: number
}

const TARGETS = { shareReadyMs: 2000, manyVsOne: 0.5, idMs: 300, tinyGetMs: 600 }

const say = (s: string): void => { process.stderr.write(`${s}\n`) }

/** A folder's content as one digest: every file's path and SHA-256, in path order. */
async function folderDigest (root: string): Promise<string> {
  const out: string[] = []
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name)
      if (e.isDirectory()) await walk(p)
      else out.push(`${relative(root, p)} ${createHash('sha256').update(await readFile(p)).digest('hex')}`)
    }
  }
  await walk(root)
  return createHash('sha256').update(out.sort().join('\n')).digest('hex')
}

/** Spawn to exit of a `swarmdrop` command that must succeed. */
async function timeCommand (args: string[]): Promise<number> {
  const p = SwarmdropProcess.start(args)
  const code = await p.exited
  if (code !== 0) throw new Error(`swarmdrop ${args[0] ?? ''} exited with ${code}`)
  return Math.round(performance.now() - p.startedAt)
}

/** Shares `path` from a fresh seeder, gets it in a fresh process, checks what arrived; spawn-to-sharing and spawn-to-exit of get. */
async function shareAndGet (dir: string, path: string, name: string, digest: string): Promise<{ shareMs: number, getMs: number }> {
  await mkdir(dir)
  const seeder = await startSeeder(dir, path)
  try {
    const out = join(dir, 'out')
    const getMs = await timeCommand(['get', seeder.link, '--out', out, '--data', join(dir, 'data'), ...LOCAL_ONLY])
    const got = await folderDigest(join(out, name))
    if (got !== digest) throw new Error(`get of ${name}: what arrived differs from what was shared`)
    await rm(out, { recursive: true, force: true })
    return { shareMs: Math.round(seeder.startMs), getMs }
  } finally {
    seeder.proc.kill()
  }
}

export async function runSmallFiles (opts: SmallFilesOptions): Promise<void> {
  const dir = await tempDir('swarmdrop-bench-files-')
  const total = opts.count * opts.fileBytes
  say(`files: ${opts.count} files of ${opts.fileBytes} bytes (${(total / 1e6).toFixed(0)} MB), against one file of the same bytes; ${opts.rounds} round(s)`)
  const folder = join(dir, 'photos')
  await mkdir(folder)
  for (let i = 0; i < opts.count; i++) await writeFile(join(folder, `img${String(i).padStart(5, '0')}.jpg`), randomBytes(opts.fileBytes))
  const one = join(dir, 'one', 'photos')
  await mkdir(one, { recursive: true })
  await randomFile(join(one, 'all.bin'), total)
  const tiny = join(dir, 'tiny', 'photos')
  await mkdir(tiny, { recursive: true })
  await writeFile(join(tiny, 'note.txt'), randomBytes(1000))
  const digests = { many: await folderDigest(folder), one: await folderDigest(one), tiny: await folderDigest(tiny) }
  const best = { shareManyMs: Infinity, shareOneMs: Infinity, getManyMs: Infinity, getOneMs: Infinity, idMs: Infinity, tinyGetMs: Infinity }
  const perRound: Array<typeof best> = []
  for (let round = 1; round <= opts.rounds; round++) {
    say(` round ${round} of ${opts.rounds}`)
    say('  id...')
    const idMs = await timeCommand(['id', '--data', join(dir, `id-${round}`), '--json'])
    say('  get of 1 KB...')
    const tinyRun = await shareAndGet(join(dir, `tiny-${round}`), tiny, 'photos', digests.tiny)
    say(`  share and get of ${opts.count} files...`)
    const many = await shareAndGet(join(dir, `many-${round}`), folder, 'photos', digests.many)
    say('  share and get of one file...')
    const single = await shareAndGet(join(dir, `one-${round}`), one, 'photos', digests.one)
    const r = { shareManyMs: many.shareMs, shareOneMs: single.shareMs, getManyMs: many.getMs, getOneMs: single.getMs, idMs, tinyGetMs: tinyRun.getMs }
    perRound.push(r)
    for (const k of Object.keys(best) as Array<keyof typeof best>) best[k] = Math.min(best[k], r[k])
  }
  // The ratio pair by pair (same round), then the best pair: the machine's speed drifts between rounds.
  const manyVsOne = Math.max(...perRound.map(r => r.getOneMs / r.getManyMs))
  const rows = [
    ['swarmdrop id', `${best.idMs} ms`, 'spawn to exit: prints the peer ID'],
    ['get of a 1 KB file, whole run', `${best.tinyGetMs} ms`, 'spawn to exit, loopback, fresh seeder'],
    [`share of ${opts.count} files, to sharing`, `${best.shareManyMs} ms`, 'spawn to the link: walk, hash, listen'],
    ['share of one file of the same bytes', `${best.shareOneMs} ms`, ''],
    [`get of ${opts.count} files, whole run`, `${best.getManyMs} ms`, `${(total / 1e6 / (best.getManyMs / 1000)).toFixed(1)} MB/s`],
    ['get of one file of the same bytes', `${best.getOneMs} ms`, `${(total / 1e6 / (best.getOneMs / 1000)).toFixed(1)} MB/s`]
  ]
  process.stdout.write(`\n${table(['row', 'time', 'note'], rows, ['left', 'right', 'left'])}\n`)
  const checks = [
    ['id', `${best.idMs} ms`, `<= ${TARGETS.idMs} ms`, verdict(best.idMs <= TARGETS.idMs)],
    ['get of 1 KB, whole run', `${best.tinyGetMs} ms`, `<= ${TARGETS.tinyGetMs} ms`, verdict(best.tinyGetMs <= TARGETS.tinyGetMs)],
    [`share of ${opts.count} files ready`, `${best.shareManyMs} ms`, `<= ${TARGETS.shareReadyMs} ms`, verdict(best.shareManyMs <= TARGETS.shareReadyMs)],
    [`get of ${opts.count} files vs one file (speed)`, manyVsOne.toFixed(2), `>= ${TARGETS.manyVsOne}`, verdict(manyVsOne >= TARGETS.manyVsOne)]
  ]
  process.stdout.write(`\n${table(['check', 'value', 'target', 'verdict'], checks, ['left', 'right', 'right', 'left'])}\n`)
  process.stdout.write(`JSON: ${await writeResult('files', { options: opts, best, manyVsOne, perRound, targets: TARGETS })}\n`)
}
