import { vi } from 'vitest'
import type { EventName, Events, SwarmdropBridge } from '../../../shared/api.js'

/**
 * A stand-in for window.swarmdrop in view tests: records calls and lets the
 * test push events. The real bridge and engine are exercised end to end in
 * test/e2e; these tests are about what each view shows and asks for.
 */
export function fakeBridge (overrides: Partial<SwarmdropBridge> = {}): SwarmdropBridge & { emit: <E extends EventName>(name: E, payload: Events[E]) => void } {
  const listeners = new Map<string, Set<(p: unknown) => void>>()
  const ok = <T>(v: T) => vi.fn(async () => v)
  const bridge = {
    shell: 'browser' as const,
    status: ok({ peerId: '12D3KooWTestPeerTestPeerTestPeerTestPeer', addrs: [], version: '0.1.0', shell: 'daemon' as const, restartNeeded: false, restartFor: [], damagedFiles: [] }),
    listShares: ok([]),
    addShares: ok({ cid: 'bafyx', name: 'x', size: 1, files: 1, link: 'swarmdrop://bafyx', createdAt: 0, access: 'public' as const, allow: [], uploadedCopy: false, sent: 0, servedTo: [] }),
    setShareAccess: ok({ cid: 'bafyx', name: 'x', size: 1, files: 1, link: 'swarmdrop://bafyx?secret=x', createdAt: 0, access: 'secret' as const, allow: [], uploadedCopy: false, sent: 0, servedTo: [] }),
    unban: ok({ wasBanned: true }),
    removeShare: ok({}),
    cancelHashing: ok({ cancelled: true }),
    listDownloads: ok([]),
    startDownload: ok({} as never),
    pauseDownload: ok({} as never),
    resumeDownload: ok({} as never),
    cancelDownload: ok({}),
    openDownload: ok({}),
    showDownloadInFolder: ok({}),
    pieceMap: ok({ pieces: 16, have: btoa(String.fromCharCode(0xff, 0x00)), availability: new Array(16).fill(1), live: true }),
    browsePeer: ok({ peerId: 'x', entries: [] }),
    listPeers: ok([]),
    connectivity: ok({ reachability: 'relayed' as const, addrs: [], mapping: { state: 'no-router' as const, external: null, reason: null, at: null }, hub: { peerId: '12D3KooWHub', reservation: '/ip4/11.0.0.1/tcp/4001/p2p/12D3KooWHub/p2p-circuit', observed: '/ip4/11.0.0.9/tcp/5555' }, holePunch: { attempts: 0, successes: 0 }, checkedAt: 1 }),
    listFeed: ok([]),
    listBans: ok([]),
    getSettings: ok({ downloadDir: '/home/u/Downloads', listenPort: 0, upLimit: 0, downLimit: 0, publicDht: false, hubAddr: '', portMapping: true }),
    setSettings: vi.fn(async (s: object) => ({ downloadDir: '/home/u/Downloads', listenPort: 0, upLimit: 0, downLimit: 0, publicDht: false, hubAddr: '', portMapping: true, ...s })),
    shareFiles: ok({ cid: 'bafyx', name: 'x', size: 1, files: 1, link: 'swarmdrop://bafyx', createdAt: 0, access: 'public' as const, allow: [], uploadedCopy: false, sent: 0, servedTo: [] }),
    on: (name: string, l: (p: unknown) => void) => {
      let set = listeners.get(name)
      if (set == null) { set = new Set(); listeners.set(name, set) }
      set.add(l)
      return () => { set.delete(l) }
    },
    emit: (name: string, payload: unknown) => { for (const l of listeners.get(name) ?? []) l(payload) },
    ...overrides
  }
  return bridge as unknown as SwarmdropBridge & { emit: <E extends EventName>(name: E, payload: Events[E]) => void }
}
