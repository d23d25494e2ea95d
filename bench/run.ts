/**
 * `npm run bench [transfer|swarm] [--size <MiB>]`: prints a table, writes JSON
 * under bench/results/. Not part of `npm test`: numbers on a shared 2-core box
 * are for side-by-side ratios within one run, not for pass/fail timing.
 */
import { runSwarm } from './swarm.js'
import { runTransfer } from './transfer.js'

const args = process.argv.slice(2)
const suite = args[0] != null && !args[0].startsWith('--') ? args[0] : 'transfer'
const sizeAt = args.indexOf('--size')
const size = sizeAt === -1 ? undefined : Number(args[sizeAt + 1])
const rateAt = args.indexOf('--rate')
const rate = rateAt === -1 ? 4_000_000 : Number(args[rateAt + 1])

if (suite === 'transfer') {
  await runTransfer({ sizeMiB: size ?? 1024 })
} else if (suite === 'swarm') {
  await runSwarm({ sizeMiB: size ?? 64, rate, leechers: [1, 2, 4, 8] })
} else {
  process.stderr.write(`unknown suite "${suite}"; use transfer or swarm\n`)
  process.exit(2)
}
process.exit(0)
