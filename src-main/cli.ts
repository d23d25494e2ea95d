import { Command, CommanderError, Option } from 'commander'
import { ErrorCodes, isSwarmdropError } from '../shared/errors.js'
import { appVersion } from './app-root.js'
import type { CliContext, GlobalOpts } from './cli/context.js'
import { defaultDataDir } from './cli/data-dir.js'
import { Output } from './cli/output.js'
import { collect } from './cli/parsers.js'

type Register = (cli: CliContext) => void

/**
 * Each command's module, loaded only when it runs: `id` needs a key file, not
 * the libp2p stack `get` and `share` pull in, and loading that stack was most
 * of a small command's start-up. In the order `--help` lists them.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  id: async () => (await import('./cli/commands/id.js')).registerId,
  share: async () => (await import('./cli/commands/share.js')).registerShare,
  get: async () => (await import('./cli/commands/get.js')).registerGet,
  bans: async () => (await import('./cli/commands/bans.js')).registerBans,
  browse: async () => (await import('./cli/commands/browse.js')).registerBrowse,
  hub: async () => (await import('./cli/commands/hub.js')).registerHub,
  daemon: async () => (await import('./cli/commands/daemon.js')).registerDaemon,
  doctor: async () => (await import('./cli/commands/doctor.js')).registerDoctor
}

/** The one command named first on the line, or every command (for help, a typo's suggestion, no command at all). */
async function registrars (argv: string[]): Promise<Register[]> {
  const named = argv[0] == null ? undefined : Object.hasOwn(COMMANDS, argv[0]) ? COMMANDS[argv[0]] : undefined
  return await Promise.all(named != null ? [named()] : Object.values(COMMANDS).map(async load => await load()))
}

/** Exit codes scripts rely on. 130 (stopped by a signal) comes from the commands that run until stopped. */
const EXIT = { ok: 0, failed: 1, usage: 2 } as const

/** The options every command takes (their parsed shape is `GlobalOpts`). */
function withGlobals (cmd: Command): Command {
  return cmd
    .option('--data <dir>', 'data folder: identity, state, shares', defaultDataDir())
    .option('--listen <multiaddr>', 'address to listen on (repeatable; default: every interface, on a port kept in the data folder)', collect, [])
    .option('--bootstrap <multiaddr>', 'bootstrap peer (repeatable)', collect, [])
    .option('--json', 'one JSON object a line on stdout', false)
    .option('--no-mdns', 'do not look for peers on the local network')
    .option('--public-dht', 'also use the public IPFS DHT to find content across the internet', false)
    .option('--hub <multiaddr>', 'a hub to fall back on: its tracker, its relay and its store')
    .option('--no-upnp', 'do not ask the router to open a port (UPnP-IGD, NAT-PMP)')
    .option('--no-hole-punch', 'do not try WebRTC hole punching to peers behind other routers (the hub relays instead)')
    .addOption(new Option('--upnp-renew-ms <ms>', 'how often the router mapping is renewed (tests)').argParser(v => Number(v)).hideHelp())
    .addOption(new Option('--encryption <list>', 'connection encrypters in order of preference')
      .choices(['tls,noise', 'noise,tls', 'tls', 'noise']).default('tls,noise').hideHelp())
}

export async function main (argv: string[]): Promise<number> {
  const program = new Command('swarmdrop')
    .description('Peer-to-peer file sharing: share files, download them from every peer that has them.')
    .version(appVersion(), '-V, --version', 'print the version and exit')
    .exitOverride()
    .configureOutput({ writeErr: s => process.stderr.write(s) })
  let code: number = EXIT.ok
  const cli: CliContext = {
    command: (name, description) => withGlobals(program.command(name).description(description)),
    output: cmd => new Output(Boolean(cmd.opts<GlobalOpts>().json)),
    exit: c => { code = c }
  }
  for (const register of await registrars(argv)) register(cli)

  try {
    await program.parseAsync(argv, { from: 'user' })
    return code
  } catch (err) {
    return exitCodeFor(err, argv.includes('--json'))
  }
}

/** A failure as one line on stderr (and an `error` event with --json), and the exit code it maps to. */
function exitCodeFor (err: unknown, json: boolean): number {
  if (err instanceof CommanderError) {
    // Commander has printed its message already (help, version, usage errors).
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage
  }
  const o = new Output(json)
  if (isSwarmdropError(err)) {
    o.error(err.message)
    if (json) process.stdout.write(`${JSON.stringify({ event: 'error', code: err.code, message: err.message })}\n`)
    if (!err.userError && process.env.DEBUG != null) process.stderr.write(`${err.stack ?? ''}\n`)
    return err.code === ErrorCodes.USAGE ? EXIT.usage : EXIT.failed
  }
  o.error(`unexpected error: ${(err as Error).message}`)
  if (process.env.DEBUG != null) process.stderr.write(`${(err as Error).stack ?? ''}\n`)
  return EXIT.failed
}

void main(process.argv.slice(2)).then(code => {
  // libp2p may leave sockets closing in the background; the answer is already out.
  process.exit(code)
}, (err: unknown) => {
  process.stderr.write(`swarmdrop: ${(err as Error).message}\n`)
  process.exit(EXIT.failed)
})
