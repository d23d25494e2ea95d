import { multiaddr } from '@multiformats/multiaddr'
import * as z from 'zod'
import { UsageError } from '../../../shared/errors.js'
import type { JsonFile, StateFiles } from './json-file.js'
import { peerIdOf } from '../base/addresses.js'

/** A list this long is a config mistake, not a network. */
export const MAX_BOOTSTRAP = 64

/** Bootstrap peers given once with --bootstrap, remembered for later runs. */
export class BootstrapList {
  private readonly file: JsonFile<string[]>
  private addrs: string[] = []

  constructor (state: StateFiles) {
    this.file = state.file('bootstrap.json', z.array(z.string()).max(MAX_BOOTSTRAP), () => [])
  }

  async load (): Promise<void> {
    this.addrs = await this.file.load()
  }

  list (): string[] {
    return [...this.addrs]
  }

  async add (addrs: string[]): Promise<void> {
    for (const a of addrs) {
      let ma
      try {
        ma = multiaddr(a)
      } catch {
        throw new UsageError(`--bootstrap "${a}" is not a valid multiaddr`)
      }
      if (peerIdOf(ma) == null) throw new UsageError(`--bootstrap "${a}" must end in /p2p/<peerId>`)
      const text = ma.toString()
      if (!this.addrs.includes(text)) this.addrs.push(text)
    }
    this.addrs = this.addrs.slice(-MAX_BOOTSTRAP)
    await this.file.save(this.addrs)
  }
}
