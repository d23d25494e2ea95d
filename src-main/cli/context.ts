import type { Command } from 'commander'
import type { Encrypter } from '../api/index.js'
import type { Output } from './output.js'

/** The options every command takes (declared once, in cli.ts). */
export interface GlobalOpts {
  data: string
  listen: string[]
  bootstrap: string[]
  json: boolean
  mdns: boolean
  publicDht: boolean
  upLimit?: string
  downLimit?: string
  leechOnly?: boolean
  encryption: string
  hub?: string
  /** Ask the router to forward our port (default on; --no-upnp turns it off). */
  upnp: boolean
  /** Hole punching over WebRTC (default on; --no-hole-punch turns it off). */
  holePunch: boolean
  upnpRenewMs?: number
}

/** What cli.ts hands each command so it can register itself on the program. */
export interface CliContext {
  /** A new subcommand of the program, already carrying the global options. */
  command: (name: string, description: string) => Command
  /** Where the running command prints, as its --json asks. */
  output: (cmd: Command) => Output
  /** The exit code the process ends with once the command returns (0 unless set). */
  exit: (code: number) => void
}

export function encrypters (g: GlobalOpts): Encrypter[] {
  return g.encryption.split(',') as Encrypter[]
}
