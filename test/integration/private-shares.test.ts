import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ShareInfo } from '../../shared/api.js'
import { ApiClient } from '../helpers/api-client.js'
import { getter, ISOLATED, MiB, peerIdOf, randomFile, run, runToEnd, sha256File, share, useScratch } from '../helpers/cli.js'
import { startDaemon } from '../helpers/daemon.js'


describe('private shares: an allow-list of peer IDs, or a secret carried in the link', () => {
  const { dir, track } = useScratch()
  const get = getter({ folder: dir, common: () => ISOLATED, spawn: args => track(run(args)) })
  const withoutSecret = (link: string): string => link.replace(/([?&])secret=[^&]*&?/, '$1').replace(/[?&]$/, '')

  it('lets holders of the link in and refuses the manifest, the pieces and the catalog entry to anyone without its secret', async () => {
    const src = join(dir(), 'secret.bin')
    const hash = await randomFile(src, 3 * MiB)
    const sharer = await share([src], join(dir(), 'sharer'), ['--secret', '--no-mdns'])
    track(sharer.proc)
    const link = sharer.sharing.link
    expect(link).toMatch(/[?&]secret=[A-Za-z0-9_-]{22,}/)
    expect(sharer.sharing.private).toBe('secret')

    const ok = await get.toEnd(link, 'friend')
    expect(ok.stderr).toBe('')
    expect(ok.code).toBe(0)
    expect(await sha256File(join(dir(), 'friend-out', 'secret.bin'))).toBe(hash)

    // The same link with the secret cut off, and with a made-up secret: no manifest, a clear error.
    for (const [name, target] of [['stranger', withoutSecret(link)], ['guesser', link.replace(/secret=[^&]+/, 'secret=AAAAAAAAAAAAAAAAAAAAAA')]] as const) {
      const res = await get.toEnd(target, name)
      expect(res.code).toBe(1)
      expect(res.events.find(e => e.event === 'error')).toMatchObject({ code: 'ACCESS_DENIED' })
      expect(res.stderr).toMatch(/private share/)
    }

    // It is not in the sharer's catalog.
    const listed = await runToEnd(['browse', sharer.sharing.addrs[0]!, '--data', join(dir(), 'browser'), ...ISOLATED])
    expect(listed.code).toBe(0)
    expect(listed.events.filter(e => e.event === 'share')).toEqual([])
  })

  it('is never announced: a DHT lookup by content ID finds nobody, while the same lookup finds a public share, and asking the sharer outright gets nothing', async () => {
    const hub = run(['hub', '--data', join(dir(), 'hub'), ...ISOLATED])
    track(hub)
    const hubAddr = (await hub.waitForEvent('listening')).addrs[0]!
    const src = join(dir(), 'hidden.bin')
    await randomFile(src, 100_000)
    const sharer = await share([src], join(dir(), 'sharer'), ['--secret', '--no-mdns', '--bootstrap', hubAddr])
    track(sharer.proc)
    // The control: a public share on the same DHT, looked up the same way, is found there.
    const open = join(dir(), 'visible.bin')
    const openHash = await randomFile(open, 100_000)
    const publisher = await share([open], join(dir(), 'publisher'), ['--no-mdns', '--bootstrap', hubAddr])
    track(publisher.proc)
    const found = await get.toEnd(publisher.sharing.cid, 'seeker', ['--bootstrap', hubAddr])
    expect(found.code, found.stderr).toBe(0)
    expect(found.eventsOf('peers').some(e => e.via === 'dht' && e.peers.includes(publisher.sharing.peerId))).toBe(true)
    expect(await sha256File(join(dir(), 'seeker-out', 'visible.bin'))).toBe(openHash)

    const res = await get.toEnd(sharer.sharing.cid, 'seeker', ['--bootstrap', hubAddr, '--stall-timeout', '5'])
    expect(res.code).toBe(1)
    expect(res.events.filter(e => e.event === 'peers' && e.via === 'dht')).toEqual([])
    // The seeker may meet the sharer through the DHT's own traffic and ask it: it is refused.
    expect(['NO_PEERS', 'ACCESS_DENIED']).toContain(res.events.find(e => e.event === 'error')?.code)
  })

  it('serves only the peers on its --allow list, and lists it only to them', async () => {
    const src = join(dir(), 'listed.bin')
    const hash = await randomFile(src, 1 * MiB)
    const friend = await peerIdOf(join(dir(), 'friend'))
    const sharer = await share([src], join(dir(), 'sharer'), ['--allow', friend, '--no-mdns'])
    track(sharer.proc)
    expect(sharer.sharing.private).toBe('allow-list')
    const addr = sharer.sharing.addrs[0]!

    const ok = await get.toEnd(sharer.sharing.link, 'friend')
    expect(ok.code).toBe(0)
    expect(await sha256File(join(dir(), 'friend-out', 'listed.bin'))).toBe(hash)
    const seen = await runToEnd(['browse', addr, '--data', join(dir(), 'friend'), ...ISOLATED])
    expect(seen.events.filter(e => e.event === 'share').map(e => e.cid)).toEqual([sharer.sharing.cid])

    const denied = await get.toEnd(sharer.sharing.link, 'stranger')
    expect(denied.code).toBe(1)
    expect(denied.events.find(e => e.event === 'error')).toMatchObject({ code: 'ACCESS_DENIED' })
    const unseen = await runToEnd(['browse', addr, '--data', join(dir(), 'stranger'), ...ISOLATED])
    expect(unseen.events.filter(e => e.event === 'share')).toEqual([])
  })

  it('cuts off a downloader mid-transfer when the sharer issues a new secret, or drops it from the allow-list', async () => {
    const a = await startDaemon(join(dir(), 'a'), join(dir(), 'a-out'), ['--no-mdns'])
    track(a.proc)
    const ca = await ApiClient.connect(`${a.origin.replace('http:', 'ws:')}/api?token=${a.token}`)
    try {
      const src = join(dir(), 'slow.bin')
      const hash = await randomFile(src, 16 * MiB)
      // Slow enough that the download is still running when the link is revoked.
      await ca.call('setSettings', { upLimit: 1024 * 1024 })
      const first: ShareInfo = await ca.call('addShares', { paths: [src], access: { secret: true } })
      expect(first.access).toBe('secret')
      const b = get.start(first.link, 'b')
      await b.waitForEvent('progress', e => e.bytes > 0)

      const rotated: ShareInfo = await ca.call('setShareAccess', { cid: first.cid, secret: 'rotate' })
      expect(rotated.link).not.toBe(first.link)
      expect(await b.waitFor(e => e.event === 'error', 60_000)).toMatchObject({ code: 'ACCESS_DENIED' })
      expect(await b.stop()).toBe(1)
      const got = b.eventsOf('progress').map(e => e.bytes)
      expect(Math.max(...got)).toBeLessThan(16 * MiB)

      // The new link works, and resumes from what B already verified.
      await ca.call('setSettings', { upLimit: 0 })
      const again = await get.toEnd(rotated.link, 'b')
      expect(again.code).toBe(0)
      expect(await sha256File(join(dir(), 'b-out', 'slow.bin'))).toBe(hash)

      // The same for an allow-list: dropping a peer from it cuts that peer off mid-transfer.
      await ca.call('setSettings', { upLimit: 1024 * 1024 })
      const listed = join(dir(), 'listed.bin')
      await randomFile(listed, 16 * MiB)
      const friend = await peerIdOf(join(dir(), 'd'))
      const other = await peerIdOf(join(dir(), 'e'))
      const forFriends: ShareInfo = await ca.call('addShares', { paths: [listed], access: { allow: [friend, other] } })
      expect(forFriends).toMatchObject({ access: 'allow-list', allow: [friend, other] })
      const d = get.start(forFriends.link, 'd')
      await d.waitForEvent('progress', e => e.bytes > 0)
      expect(await ca.call('setShareAccess', { cid: forFriends.cid, allow: [other] })).toMatchObject({ access: 'allow-list', allow: [other] })
      expect(await d.waitFor(e => e.event === 'error', 60_000)).toMatchObject({ code: 'ACCESS_DENIED' })
    } finally {
      ca.close()
    }
  })
})
