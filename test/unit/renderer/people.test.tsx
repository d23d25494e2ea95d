// @vitest-environment jsdom
import { cleanup, render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { I18nextProvider } from 'react-i18next'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { DownloadInfo, ShareInfo, Status } from '../../../shared/api.js'
import { ApiError } from '../../../shared/errors.js'
import type { FeedItem } from '../../../shared/feed.js'
import { App } from '../../../src-renderer/App.js'
import type { Connection } from '../../../src-renderer/bridge/ws-bridge.js'
import { DownloadList } from '../../../src-renderer/components/DownloadList.js'
import { FeedView } from '../../../src-renderer/components/FeedView.js'
import { JoinBox } from '../../../src-renderer/components/JoinBox.js'
import { PieceMap } from '../../../src-renderer/components/PieceMap.js'
import { SettingsView } from '../../../src-renderer/components/SettingsView.js'
import { ShareList } from '../../../src-renderer/components/ShareList.js'
import { setupI18n } from '../../../src-renderer/i18n/index.js'
import { initialState, reduce } from '../../../src-renderer/state/store.js'
import { fakeBridge } from './fake-bridge.js'
import { renderWith } from './render.js'

/** The states and controls of issue 13 ("the app as people meet it"), each as a person meets it. */

afterEach(() => { cleanup(); localStorage.clear() })

const SETTINGS = { downloadDir: '/home/u/Downloads', listenPort: 0, upLimit: 0, downLimit: 0, publicDht: false, hubAddr: '', portMapping: true }
const PEER = '12D3KooWLte7PAzSyCxtSRWJUyhMWyZsSnr1MVgPobW9Qc2qEVax'
const OTHER = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'

function download (over: Partial<DownloadInfo> = {}): DownloadInfo {
  return { id: 'bafyd', cid: 'bafyd', name: 'movie.mkv', state: 'downloading', bytes: 250_000_000, total: 1_000_000_000, speed: 50_000_000, peers: 3, pieces: 16, path: '/home/u/Downloads', sources: {}, paths: { direct: 0, punched: 0, relay: 0, hub: 0 }, error: null, waiting: null, stall: null, addedAt: 1, finishedAt: null, ...over }
}
function share (over: Partial<ShareInfo> = {}): ShareInfo {
  return { cid: 'bafys', name: 'holiday.mp4', size: 12_000_000, files: 1, link: 'swarmdrop://bafys', createdAt: 1, access: 'public', allow: [], uploadedCopy: false, sent: 0, servedTo: [], ...over }
}
const mapOf = (have: number[], live: boolean, availability = 0) => ({ pieces: 16, have: btoa(String.fromCharCode(...have)), availability: new Array<number>(16).fill(availability), live })

describe('Settings: rates as text with units, saved per field', () => {
  it('reads "2MB" as 2 MB/s, saves it on blur and shows it back as typed; "Saved" goes at the next edit', async () => {
    const bridge = fakeBridge()
    const onSaved = vi.fn()
    renderWith(<SettingsView settings={SETTINGS} onSaved={onSaved} />, bridge)
    const up = screen.getByLabelText('Upload limit per second') as HTMLInputElement
    expect(up.value).toBe('0')
    await userEvent.clear(up)
    // Clearing does not turn into "0" then "02" under the cursor.
    expect(up.value).toBe('')
    await userEvent.type(up, '2MB')
    expect(up.value).toBe('2MB')
    expect(bridge.setSettings).not.toHaveBeenCalled()
    await userEvent.tab()
    // Only the changed field is sent.
    expect(bridge.setSettings).toHaveBeenCalledWith({ upLimit: 2_000_000 })
    expect(onSaved).toHaveBeenLastCalledWith({ ...SETTINGS, upLimit: 2_000_000 })
    expect(await screen.findByRole('status')).toHaveProperty('textContent', 'Saved')
    await userEvent.type(up, '0')
    expect(screen.queryByRole('status')).toBeNull()
  })

  it('takes decimals and binary units, saves on Enter, and shows a saved value in units', async () => {
    const bridge = fakeBridge()
    const { rerender } = renderWith(<SettingsView settings={SETTINGS} onSaved={() => {}} />, bridge)
    const down = screen.getByLabelText('Download limit per second') as HTMLInputElement
    await userEvent.clear(down)
    await userEvent.type(down, '1.5 MiB{Enter}')
    expect(bridge.setSettings).toHaveBeenCalledWith({ downLimit: 1_572_864 })
    rerender(<SettingsView settings={{ ...SETTINGS, downLimit: 1_500_000 }} onSaved={() => {}} />)
    expect(down.value).toBe('1.5 MB')
  })

  it('names a wrong rate at its field and saves nothing', async () => {
    const bridge = fakeBridge()
    renderWith(<SettingsView settings={SETTINGS} onSaved={() => {}} />, bridge)
    const up = screen.getByLabelText('Upload limit per second')
    await userEvent.clear(up)
    await userEvent.type(up, '2 parsecs')
    await userEvent.tab()
    expect(bridge.setSettings).not.toHaveBeenCalled()
    expect(up.getAttribute('aria-invalid')).toBe('true')
    const note = document.getElementById(up.getAttribute('aria-describedby')!)!
    expect(within(note).getByRole('alert').textContent).toContain('Write a number and a unit')
  })

  it('shows a refused folder at the folder field, in words, with the server text as a detail', async () => {
    const bridge = fakeBridge({ setSettings: vi.fn(async () => { throw new ApiError('PATH_NOT_FOUND', 'there is no folder /nope') }) })
    renderWith(<SettingsView settings={SETTINGS} onSaved={() => {}} />, bridge)
    const dir = screen.getByLabelText('Download folder')
    await userEvent.clear(dir)
    await userEvent.type(dir, '/nope{Enter}')
    const note = document.getElementById(dir.getAttribute('aria-describedby')!)!
    const alert = await within(note).findByRole('alert')
    expect(alert.querySelector('p')?.textContent).toBe('That file or folder is not there. Check the name, or create the folder first.')
    expect(alert.querySelector('code')?.textContent).toBe('there is no folder /nope')
  })

  it('says until when a peer is banned', async () => {
    const until = new Date(2026, 11, 3, 18, 0, 0).getTime()
    renderWith(<SettingsView settings={SETTINGS} onSaved={() => {}} />, fakeBridge({ listBans: vi.fn(async () => [{ peerId: PEER, reason: 'sent 3 corrupt pieces', until }]) }))
    const row = await screen.findByRole('listitem', { name: PEER })
    expect(row.textContent).toContain(`until ${new Date(until).toLocaleString('en')}`)
  })
})

describe('Piece map: what is verified, in every state', () => {
  it('paused: counts the verified pieces (not 0), draws nothing as missing, and says nobody is asked', async () => {
    const bridge = fakeBridge({ pieceMap: vi.fn(async () => mapOf([0xff, 0x00], false)) })
    renderWith(<PieceMap id="x" name="movie.mkv" state="paused" />, bridge)
    await screen.findByRole('img', { name: 'Piece map of movie.mkv: 8 of 16 pieces verified' })
    const text = document.querySelector('.piecemap-caption')!.textContent
    expect(text).toBe('8 of 16 pieces verified · paused, so nobody is asked for the rest')
    expect(text).not.toContain('nobody online has')
    expect(document.querySelector('.piecemap')!.className).toContain('stopped')
  })

  it('running: names the pieces nobody online has', async () => {
    renderWith(<PieceMap id="x" name="m" state="downloading" />, fakeBridge({ pieceMap: vi.fn(async () => mapOf([0xff, 0xf0], true, 0)) }))
    await waitFor(() => { expect(document.querySelector('.piecemap-caption')!.textContent).toBe('12 of 16 pieces verified · 4 pieces nobody online has') })
    expect(document.querySelector('.piecemap')!.className).not.toContain('stopped')
  })

  it('failed: says it stopped with the error', async () => {
    renderWith(<PieceMap id="x" name="m" state="failed" />, fakeBridge({ pieceMap: vi.fn(async () => mapOf([0x80, 0x00], false)) }))
    await waitFor(() => { expect(document.querySelector('.piecemap-caption')!.textContent).toBe('1 of 16 pieces verified · stopped by the error below') })
  })
})

describe('Downloads: seeding is a state of the download', () => {
  it('a seeding download shows what it sent and to how many, and stops seeding without removing anything', async () => {
    const bridge = fakeBridge()
    renderWith(<DownloadList downloads={[download({ state: 'seeding', bytes: 1_000_000_000 })]} stats={{ bafyd: { cid: 'bafyd', sent: 12_000_000, speed: 1_000_000, peers: [PEER], servedTo: [PEER, OTHER] } }} />, bridge)
    const item = screen.getByRole('listitem', { name: 'movie.mkv' })
    expect(item.querySelector('.upload-line')!.textContent).toBe('Sent 12 MB to 2 peers · 1 downloading now at 1.0 MB/s · downloaded by 12D3Ko…2qEVax, 12D3Ko…CVe2Xo')
    await userEvent.click(within(item).getByRole('button', { name: 'Stop seeding movie.mkv' }))
    expect(bridge.pauseDownload).toHaveBeenCalledWith({ id: 'bafyd' })
    expect(bridge.cancelDownload).not.toHaveBeenCalled()
  })

  it('a finished download no longer seeding says Done, offers Seed again, and keeps its files on Remove', async () => {
    const bridge = fakeBridge()
    renderWith(<DownloadList downloads={[download({ state: 'finished', bytes: 1_000_000_000, path: '/home/u/Downloads/movie.mkv' })]} />, bridge)
    const item = screen.getByRole('listitem', { name: 'movie.mkv' })
    expect(within(item).getByText('Done').getAttribute('data-state')).toBe('finished')
    await userEvent.click(within(item).getByRole('button', { name: 'Seed movie.mkv again' }))
    expect(bridge.resumeDownload).toHaveBeenCalledWith({ id: 'bafyd' })
    await userEvent.click(within(item).getByRole('button', { name: 'Remove movie.mkv from the list' }))
    expect(within(item).getByRole('alertdialog').textContent).toContain('Its files stay in /home/u/Downloads/movie.mkv')
  })

  it('after a removal the focus goes to the next card, not to the page', async () => {
    const bridge = fakeBridge()
    renderWith(<DownloadList downloads={[download({ id: 'a', name: 'a.bin', addedAt: 3 }), download({ id: 'b', name: 'b.bin', addedAt: 2 })]} />, bridge)
    await userEvent.click(screen.getByRole('button', { name: 'Cancel a.bin' }))
    await userEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Cancel' }))
    await waitFor(() => { expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Pause b.bin' })) })
  })
})

describe('Sharing: what I offered', () => {
  it('lists only what I shared (not my downloads), with peers, speed and bytes sent', () => {
    renderWith(<ShareList shares={[share(), share({ cid: 'bafyd', name: 'movie.mkv' })]} hidden={new Set(['bafyd'])} stats={{ bafys: { cid: 'bafys', sent: 3_000_000, speed: 500_000, peers: [PEER], servedTo: [PEER] } }} />, fakeBridge())
    expect(screen.queryByRole('listitem', { name: 'movie.mkv' })).toBeNull()
    const item = screen.getByRole('listitem', { name: 'holiday.mp4' })
    expect(item.querySelector('.upload-line')!.textContent).toBe('Sent 3.0 MB to 1 peer · 1 downloading now at 500 KB/s · downloaded by 12D3Ko…2qEVax')
  })

  it('says nobody downloaded yet, and that a browser upload is a copy (which Stop sharing deletes)', async () => {
    renderWith(<ShareList shares={[share({ uploadedCopy: true })]} />, fakeBridge())
    const item = screen.getByRole('listitem', { name: 'holiday.mp4' })
    expect(item.textContent).toContain('Nobody has downloaded from you yet.')
    expect(item.textContent).toContain('Shared from a copy this browser uploaded')
    await userEvent.click(within(item).getByRole('button', { name: 'Stop sharing holiday.mp4' }))
    expect(within(item).getByRole('alertdialog').textContent).toContain('the copy Swarmdrop made of it when you dropped it in this browser is deleted')
  })

  it('after Stop sharing the focus goes to the next share, or to the heading when none is left', async () => {
    const { rerender } = renderWith(<ShareList shares={[share({ cid: 'a', name: 'a.bin', createdAt: 3 }), share({ cid: 'b', name: 'b.bin', createdAt: 2 })]} />, fakeBridge())
    await userEvent.click(screen.getByRole('button', { name: 'Stop sharing a.bin' }))
    await userEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Stop sharing' }))
    await waitFor(() => { expect(document.activeElement?.closest('li')?.getAttribute('aria-label')).toBe('b.bin') })
    rerender(<ShareList shares={[share({ cid: 'b', name: 'b.bin', createdAt: 2 })]} />)
    await userEvent.click(screen.getByRole('button', { name: 'Stop sharing b.bin' }))
    await userEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Stop sharing' }))
    await waitFor(() => { expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Sharing' })) })
  })

  it('edits who may download, checking each peer ID at the field', async () => {
    const bridge = fakeBridge()
    renderWith(<ShareList shares={[share()]} />, bridge)
    await userEvent.click(screen.getByRole('button', { name: 'Choose who may download' }))
    const box = screen.getByLabelText(/Peer IDs allowed to download/)
    await userEvent.type(box, `${PEER}\nnot-a-peer`)
    await userEvent.click(screen.getByRole('button', { name: 'Save the list' }))
    expect(screen.getByRole('alert').textContent).toContain('"not-a-peer" is not a peer ID')
    expect(bridge.setShareAccess).not.toHaveBeenCalled()
    await userEvent.clear(box)
    await userEvent.type(box, `${PEER}\n${OTHER}`)
    await userEvent.click(screen.getByRole('button', { name: 'Save the list' }))
    expect(bridge.setShareAccess).toHaveBeenCalledWith({ cid: 'bafys', secret: 'none', allow: [PEER, OTHER] })
  })
})

describe('Join box', () => {
  it('tells you when you pasted your own peer ID, without asking anyone', async () => {
    const bridge = fakeBridge()
    renderWith(<JoinBox ownPeerId={PEER} />, bridge)
    await userEvent.type(screen.getByLabelText('Peer ID or link'), `${PEER}{Enter}`)
    expect(screen.getByRole('status').textContent).toBe('That is your own peer ID. Paste the peer ID of someone else to see what they share.')
    expect(bridge.browsePeer).not.toHaveBeenCalled()
  })

  it('a failed lookup clears the last catalog; Esc closes one; what I have is marked', async () => {
    const browsePeer = vi.fn(async () => ({ peerId: OTHER, entries: [{ cid: 'bafyc', name: 'have.txt', size: 1, files: 1 }] }))
    const bridge = fakeBridge({ browsePeer })
    renderWith(<JoinBox have={new Set(['bafyc'])} />, bridge)
    const input = screen.getByLabelText('Peer ID or link')
    await userEvent.type(input, `${OTHER}{Enter}`)
    const catalog = await screen.findByRole('region', { name: /Shared by/ })
    expect(within(catalog).getByRole('listitem', { name: 'have.txt' }).textContent).toContain('In your downloads')
    expect(within(catalog).queryByRole('button', { name: 'Download have.txt' })).toBeNull()
    within(catalog).getByRole('button', { name: 'Close' }).focus()
    await userEvent.keyboard('{Escape}')
    expect(screen.queryByRole('region', { name: /Shared by/ })).toBeNull()
    expect(document.activeElement).toBe(input)
    await userEvent.type(input, '{Enter}')
    await screen.findByRole('region', { name: /Shared by/ })
    browsePeer.mockRejectedValueOnce(new ApiError('PEER_UNREACHABLE', 'dial failed'))
    await userEvent.type(input, '{Enter}')
    expect((await screen.findByRole('alert')).querySelector('p')?.textContent).toContain('That peer could not be reached')
    expect(screen.queryByRole('region', { name: /Shared by/ })).toBeNull()
  })
})

describe('Feed', () => {
  const item = (from: string, message: FeedItem['message'], at: number): FeedItem => ({ cid: 'bafys', from, at, message })
  it('names the file, says who finished it, and drops presence repeats', () => {
    let s = initialState
    const push = (x: FeedItem): void => { s = reduce(s, { type: 'event', name: 'feed', payload: x }) }
    push(item(PEER, { type: 'presence', have: 2, total: 10, seeding: false }, 1))
    push(item(PEER, { type: 'presence', have: 10, total: 10, seeding: true }, 2))
    push(item(PEER, { type: 'presence', have: 10, total: 10, seeding: true }, 3))
    push(item(OTHER, { type: 'presence', have: 10, total: 10, seeding: true }, 4))
    expect(s.feed).toHaveLength(3)
    renderWith(<FeedView feed={s.feed} names={{ bafys: 'holiday.mp4' }} />, fakeBridge())
    expect(screen.getAllByRole('listitem').map(li => li.querySelector('span')!.textContent)).toEqual([
      '12D3Ko…CVe2Xo is seeding holiday.mp4',
      '12D3Ko…2qEVax finished holiday.mp4',
      '12D3Ko…2qEVax joined (2 of 10 pieces)'
    ])
  })
})

describe('App shell', () => {
  const mount = (bridge = fakeBridge(), connection?: (l: (c: Connection) => void) => void): void => {
    render(<I18nextProvider i18n={setupI18n('en')}><App bridge={bridge} connection={connection} /></I18nextProvider>)
  }

  it('"Copy peer ID" says Copied; the restart banner names the settings', async () => {
    const writeText = vi.fn(async () => {})
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    const status: Status = { peerId: PEER, addrs: [], version: '0.1.0', shell: 'daemon', restartNeeded: true, restartFor: ['listenPort', 'hubAddr'], damagedFiles: [] }
    mount(fakeBridge({ status: vi.fn(async () => status) }))
    expect((await screen.findByText(/^Restart Swarmdrop to apply/)).textContent).toBe('Restart Swarmdrop to apply: Listen port (0 = pick one once and keep it), Hub address (multiaddr ending in /p2p/…).')
    await userEvent.click(screen.getByRole('button', { name: 'Copy peer ID' }))
    expect(writeText).toHaveBeenCalledWith(PEER)
    expect(screen.getByRole('button', { name: 'Copied' }).textContent).toBe('Copied')
  })

  it('offline: every control is off and the banner says why; back online they work again', async () => {
    let tell: (c: Connection) => void = () => {}
    mount(fakeBridge(), l => { tell = l })
    const go = await screen.findByRole('button', { name: 'Go' })
    tell('down')
    await waitFor(() => { expect((go as HTMLButtonElement).matches(':disabled')).toBe(true) })
    expect(screen.getByRole('alert').textContent).toContain('Buttons are off until it is back')
    expect((screen.getByRole('button', { name: 'Choose files…' }) as HTMLButtonElement).matches(':disabled')).toBe(true)
    tell('up')
    await waitFor(() => { expect((go as HTMLButtonElement).matches(':disabled')).toBe(false) })
  })

  it('a page without its token explains how to open the app instead of reconnecting forever', async () => {
    let tell: (c: Connection) => void = () => {}
    mount(fakeBridge(), l => { tell = l })
    tell('unauthorized')
    expect((await screen.findByRole('alert')).textContent).toContain('open the full address that `swarmdrop daemon` printed')
    expect(screen.queryByRole('button', { name: 'Go' })).toBeNull()
  })
})
