/**
 * `npm run bench [-- <suite>] [--size <MiB>] [--rounds <n>] [--rate <bytes/s>] [--minutes <n>] [--peers <n>]`: runs one
 * suite, prints a table, writes JSON under bench/results/. Not part of
 * `npm test`: on a shared 2-core box absolute numbers wander, so each suite
 * measures its own reference points and reports ratios against them.
 */
// libp2p 3 needs Promise.withResolvers, which Node 20 lacks: before anything loads libp2p.
import '../src-main/engine/polyfills.js'
import { cleanup } from './cleanup.js'
import { runSoak } from './soak.js'
import { runSwarm } from './swarm.js'
import { printRelay, runRelay } from './relay.js'
import { hostsUnavailable, printHosts, runSwarmHosts, writeHosts } from './swarm-hosts.js'
import { runSmallFiles } from './small-files.js'
import { runNat } from './nat.js'
import { runTransfer } from './transfer.js'

const SUITES = ['transfer', 'swarm', 'soak', 'files', 'nat'] as const
type Suite = typeof SUITES[number]

interface Args {
  suite: Suite
  sizeMiB?: number
  rate?: number
  rounds?: number
  minutes?: number
  peers?: number
  count?: number
}

class UsageError extends Error {}

function positive (flag: string, value: string | undefined): number {
  const n = Number(value)
  if (value == null || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} needs a positive number, got "${value ?? ''}"`)
  return n
}

function parseArgs (argv: string[]): Args {
  const args: Args = { suite: 'transfer' }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--size') args.sizeMiB = positive(a, argv[++i])
    else if (a === '--rate') args.rate = positive(a, argv[++i])
    else if (a === '--rounds') args.rounds = Math.ceil(positive(a, argv[++i]))
    else if (a === '--minutes') args.minutes = positive(a, argv[++i])
    else if (a === '--peers') args.peers = Math.max(2, Math.ceil(positive(a, argv[++i])))
    else if (a === '--count') args.count = Math.ceil(positive(a, argv[++i]))
    else if (i === 0 && (SUITES as readonly string[]).includes(a)) args.suite = a as Suite
    else throw new UsageError(`unexpected argument "${a}"`)
  }
  return args
}

async function run (args: Args): Promise<void> {
  if (args.suite === 'transfer') {
    await runTransfer({ sizeMiB: args.sizeMiB ?? 1024, rounds: args.rounds ?? 2 })
  } else if (args.suite === 'files') {
    await runSmallFiles({ count: args.count ?? 3000, fileBytes: 20_000, rounds: args.rounds ?? 2 })
  } else if (args.suite === 'nat') {
    await runNat(args.sizeMiB ?? 64)
  } else if (args.suite === 'soak') {
    await runSoak({ peers: args.peers ?? 20, minutes: args.minutes ?? 10, sizeMiB: args.sizeMiB ?? 8 })
  } else if (hostsUnavailable() == null) {
    // Kernel caps, a host per peer: the swarm as people run it.
    const sizeMiB = args.sizeMiB ?? 64
    const bits = 8 * (args.rate ?? 8_000_000)
    const n = args.peers ?? 8
    const rows = [
      ...await runSwarmHosts({ sizeMiB, bits, leechers: [1, 2, 4], modes: ['client-server'] }),
      ...await runSwarmHosts({ sizeMiB, bits, leechers: [...new Set([2, 4, n])], modes: ['swarm'] }),
      // Twice the peers at a quarter of the rate, to see the swarm scale where each peer moves less (CPU busy is reported).
      ...await runSwarmHosts({ sizeMiB: sizeMiB / 2, bits: bits / 4, leechers: [2 * n], modes: ['swarm'] })
    ]
    process.stdout.write(printHosts(rows))
    // The client-server fallback beside the direct path, on the same kind of hosts.
    const relay = await runRelay(sizeMiB)
    process.stdout.write(printRelay(relay, sizeMiB))
    process.stdout.write(`JSON: ${await writeHosts(rows, Math.round(sizeMiB * 1024 * 1024), relay)}\n`)
  } else {
    process.stderr.write(`swarm: ${hostsUnavailable() ?? ''}; falling back to app-level caps on loopback (labelled as such)\n`)
    await runSwarm({ sizeMiB: args.sizeMiB ?? 64, rate: args.rate ?? 4_000_000, leechers: [1, 2, 4, 8] })
  }
}

async function main (): Promise<number> {
  let args: Args
  try {
    args = parseArgs(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\nusage: npm run bench -- [${SUITES.join('|')}] [--size <MiB>] [--rounds <n>] [--rate <bytes/s>] [--minutes <n>] [--peers <n>] [--count <files>]\n`)
    return 2
  }
  // Ctrl+C must not leave seeders running or a gigabyte in /tmp.
  let interrupted = false
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      interrupted = true
      process.stderr.write(`${sig}: stopping children, removing temp dirs\n`)
      void cleanup().finally(() => process.exit(130))
    })
  }
  try {
    await run(args)
    return 0
  } catch (err) {
    // Killing the children makes whatever was running fail; that is not news.
    if (interrupted) return 130
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
    return 1
  } finally {
    await cleanup()
  }
}

// libp2p can leave sockets closing in the background; the results are out, so exit now.
process.exit(await main())
