import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import * as z from 'zod'
import { UsageError } from '../../../shared/errors.js'
import { writeFileAtomic } from './atomic-file.js'
import { peerIdOf } from '../node/addresses.js'

/** A list this long is a config mistake, not a network. */
export const MAX_BOOTSTRAP = 64

/** Bootstrap peers given once with --bootstrap, remembered for later runs. */
export class BootstrapList {
  private readonly file: string
  private addrs: string[] = []

  constructor (dataDir: string) {
    this.file = join(dataDir, 'bootstrap.json')
  }

  async load (): Promise<void> {
    try {
      this.addrs = z.array(z.string()).max(MAX_BOOTSTRAP).parse(JSON.parse(await readFile(this.file, 'utf8')))
    } catch {
      this.addrs = []
    }
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
    await writeFileAtomic(this.file, JSON.stringify(this.addrs))
  }
}
