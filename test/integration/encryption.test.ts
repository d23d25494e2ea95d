import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Engine } from '../../src-main/engine/index.js'
import { LOOPBACK, randomFile, sha256File, useScratch } from '../helpers/cli.js'

describe('connection encryption', () => {
  const { dir, track } = useScratch()

  const start = async (name: string, encrypters?: Array<'tls' | 'noise'>): Promise<Engine> => {
    const e = await Engine.create({ dataDir: join(dir(), name), listen: [LOOPBACK], encrypters, mdns: false })
    track(e)
    return e
  }

  it.each([
    ['prefers TLS between two default peers', undefined, undefined, '/tls/1.0.0'],
    ['falls back to Noise for a downloader that speaks only Noise', undefined, ['noise'] as Array<'tls' | 'noise'>, '/noise'],
    ['falls back to Noise for a seeder that speaks only Noise', ['noise'] as Array<'tls' | 'noise'>, undefined, '/noise']
  ])('%s', async (_what, seedEnc, getEnc, expected) => {
    const src = join(dir(), 'f.bin')
    const hash = await randomFile(src, 3 * 1024 * 1024)
    const seeder = await start('seeder', seedEnc)
    const { link } = await seeder.share([src])
    const leecher = await start('leecher', getEnc)
    const outcome = await leecher.get(link, { outDir: join(dir(), 'out') })
    expect(outcome.sources[seeder.peerId]!.bytes).toBe(3 * 1024 * 1024)
    expect(await sha256File(join(dir(), 'out', 'f.bin'))).toBe(hash)
    const conn = leecher.node.getConnections().find(c => c.remotePeer.toString() === seeder.peerId)
    // The download closes its channels, not the connection, so it is still there to inspect.
    expect(conn?.encryption).toBe(expected)
  })
})
