// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { DownloadInfo, PeerInfo, ShareInfo } from '../../../shared/api.js'
import { App } from '../../../src-renderer/App.js'
import { DownloadList } from '../../../src-renderer/components/DownloadList.js'
import { DropZone } from '../../../src-renderer/components/DropZone.js'
import { JoinBox } from '../../../src-renderer/components/JoinBox.js'
import { PeersView } from '../../../src-renderer/components/PeersView.js'
import { ShareList } from '../../../src-renderer/components/ShareList.js'
import { I18nextProvider } from 'react-i18next'
import { render } from '@testing-library/react'
import { setupI18n } from '../../../src-renderer/i18n/index.js'
import { ApiError } from '../../../shared/errors.js'
import { fakeBridge } from './fake-bridge.js'
import { renderWith } from './render.js'

afterEach(() => { cleanup(); localStorage.clear() })

const EVIL = '<img src=x onerror=alert(1)>'

function download (over: Partial<DownloadInfo> = {}): DownloadInfo {
  return { id: 'bafyd', cid: 'bafyd', name: 'movie.mkv', state: 'downloading', bytes: 250_000_000, total: 1_000_000_000, speed: 50_000_000, peers: 3, pieces: 16, path: '/home/u/Downloads', sources: {}, paths: { direct: 0, punched: 0, relay: 0, hub: 0 }, error: null, waiting: null, stall: null, addedAt: 1, finishedAt: null, ...over }
}

describe('DropZone', () => {
  it('is a region labelled for dropping, and shares picked files with their names', async () => {
    const bridge = fakeBridge()
    const { container } = renderWith(<DropZone hashing={[]} />, bridge)
    const zone = screen.getByRole('region', { name: 'Drop files to share' })
    const input = container.querySelector('input[type=file][multiple]') as HTMLInputElement
    // The picker is the region's own: what it picks is shared from there.
    expect(zone.contains(input)).toBe(true)
    await userEvent.upload(input, [new File(['abc'], 'a.txt'), new File(['de'], 'b.txt')])
    await waitFor(() => { expect(bridge.shareFiles).toHaveBeenCalledTimes(1) })
    const files = vi.mocked(bridge.shareFiles).mock.calls[0]![0]
    expect(files.map(f => f.relativePath)).toEqual(['a.txt', 'b.txt'])
  })

  it('shares what is dropped on it', async () => {
    const bridge = fakeBridge()
    renderWith(<DropZone hashing={[]} />, bridge)
    const file = new File(['x'], 'dropped.bin')
    fireEvent.drop(screen.getByRole('region', { name: 'Drop files to share' }), { dataTransfer: { files: [file], items: [], types: ['Files'] } })
    await waitFor(() => { expect(bridge.shareFiles).toHaveBeenCalledWith([{ file, relativePath: 'dropped.bin' }], expect.any(Function), expect.any(AbortSignal)) })
  })

  it('takes drops anywhere on the window, with a full-window overlay while files are dragged', async () => {
    const bridge = fakeBridge()
    const { container } = renderWith(<><p>elsewhere</p><DropZone hashing={[]} /></>, bridge)
    const elsewhere = screen.getByText('elsewhere')
    fireEvent.dragEnter(elsewhere, { dataTransfer: { types: ['Files'] } })
    expect(container.querySelector('.drop-overlay')?.textContent).toBe('Drop to share')
    fireEvent.dragLeave(elsewhere, { dataTransfer: { types: ['Files'] } })
    expect(container.querySelector('.drop-overlay')).toBeNull()
    // Dragging selected text is not a share.
    fireEvent.dragEnter(elsewhere, { dataTransfer: { types: ['text/plain'] } })
    expect(container.querySelector('.drop-overlay')).toBeNull()
    const file = new File(['x'], 'far.bin')
    fireEvent.drop(elsewhere, { dataTransfer: { files: [file], items: [], types: ['Files'] } })
    await waitFor(() => { expect(bridge.shareFiles).toHaveBeenCalledWith([{ file, relativePath: 'far.bin' }], expect.any(Function), expect.any(AbortSignal)) })
  })

  it('says a browser uploads a copy, shows the upload and cancels it', async () => {
    let signal: AbortSignal | undefined
    const bridge = fakeBridge({
      shareFiles: vi.fn(async (_files, onProgress?: (sent: number, total: number) => void, s?: AbortSignal) => {
        signal = s
        onProgress?.(1, 4)
        return await new Promise<never>((_resolve, reject) => { s?.addEventListener('abort', () => { reject(new ApiError('ABORTED', 'the upload was cancelled')) }) })
      })
    })
    const { container } = renderWith(<DropZone hashing={[]} />, bridge)
    expect(screen.getByText(/uploads a copy of each file into its data folder/).textContent).toBe('In a browser, Swarmdrop uploads a copy of each file into its data folder and shares the copy.')
    await userEvent.upload(container.querySelector('input[type=file][multiple]') as HTMLInputElement, new File(['abcd'], 'four.bin'))
    const sent = await screen.findByRole('progressbar', { name: 'Preparing four.bin: 25%' }) as HTMLProgressElement
    expect([sent.value, sent.max]).toEqual([1, 4])
    await userEvent.click(screen.getByRole('button', { name: 'Cancel upload' }))
    expect(signal?.aborted).toBe(true)
    await waitFor(() => { expect(screen.queryByRole('progressbar')).toBeNull() })
    // Cancelling is what the user asked for: no error.
    expect(screen.queryByRole('alert')).toBeNull()
  })

  it('shows hashing progress and a failure where it happened', async () => {
    const bridge = fakeBridge({ shareFiles: vi.fn(async () => { throw new ApiError('DISK_FULL', 'ENOSPC: no space left on device, write') }) })
    const { container } = renderWith(<DropZone hashing={[{ job: 'j', name: 'big.iso', bytes: 50, total: 200 }]} />, bridge)
    const hashed = screen.getByRole('progressbar', { name: 'Hashing big.iso: 25%' }) as HTMLProgressElement
    expect([hashed.value, hashed.max]).toEqual([50, 200])
    await userEvent.click(screen.getByRole('button', { name: 'Stop hashing big.iso (nothing is shared)' }))
    expect(bridge.cancelHashing).toHaveBeenCalledWith({ job: 'j' })
    await userEvent.upload(container.querySelector('input[type=file][multiple]') as HTMLInputElement, new File(['x'], 'x'))
    const alert = await screen.findByRole('alert')
    // The sentence for its code says what to do; the engine's text is only a detail.
    expect(alert.querySelector('p')?.textContent).toBe('Could not share: The disk is full. Free some space, then resume the download.')
    expect(alert.querySelector('details code')?.textContent).toBe('ENOSPC: no space left on device, write')
  })
})

describe('ShareList', () => {
  it('tells a new user what to do when nothing is shared', () => {
    renderWith(<ShareList shares={[]} />, fakeBridge())
    expect(screen.getByText(/Nothing shared yet/).textContent).toBe('Nothing shared yet. Drop a file above and send the link to a friend.')
  })

  it('shows each share with its link, a copy button, a QR code and a name that stays text', async () => {
    const share: ShareInfo = { cid: 'bafyq', name: EVIL, size: 2_500_000, files: 2, link: 'swarmdrop://bafyq?name=x', createdAt: 5, access: 'public', allow: [], uploadedCopy: false, sent: 0, servedTo: [] }
    const writeText = vi.fn(async () => {})
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    const bridge = fakeBridge()
    const { container } = renderWith(<ShareList shares={[share]} />, bridge)
    const item = screen.getByRole('listitem', { name: EVIL })
    expect((within(item).getByLabelText(`Share link of ${EVIL}`) as HTMLInputElement).value).toBe(share.link)
    expect(within(item).getByRole('heading').textContent).toBe(EVIL)
    expect(container.querySelector('img[src="x"]')).toBeNull()
    await userEvent.click(within(item).getByRole('button', { name: `Copy the link of ${EVIL}` }))
    expect(writeText).toHaveBeenCalledWith(share.link)
    // The button says so in words too, not only to a screen reader.
    expect(within(item).getByRole('button', { name: 'Copied' }).textContent).toBe('Copied')
    await waitFor(() => { expect(within(item).getByRole('img', { name: `QR code of the link for ${EVIL}` }).getAttribute('src')).toMatch(/^data:image\/png;base64,/) })
    await userEvent.click(within(item).getByRole('button', { name: `Stop sharing ${EVIL}` }))
    // Nothing stops on one click: it says what happens to the files first, with the safe choice focused.
    const ask = within(item).getByRole('alertdialog')
    expect(ask.textContent).toContain('Your files are not touched')
    expect(document.activeElement?.textContent).toBe('Keep it')
    expect(bridge.removeShare).not.toHaveBeenCalled()
    await userEvent.click(within(ask).getByRole('button', { name: 'Stop sharing' }))
    expect(bridge.removeShare).toHaveBeenCalledWith({ cid: 'bafyq' })
  })

  it('says who may download a share, makes it private, and issues a new link for a private one', async () => {
    const bridge = fakeBridge()
    const { rerender } = renderWith(<ShareList shares={[{ cid: 'bafyp', name: 'p', size: 1, files: 1, link: 'swarmdrop://bafyp', createdAt: 1, access: 'public', allow: [], uploadedCopy: false, sent: 0, servedTo: [] }]} />, bridge)
    expect(screen.getByText(/^Public:/).textContent).toBe('Public: anyone with the link or the content ID can download it.')
    await userEvent.click(screen.getByRole('button', { name: 'Make private' }))
    expect(bridge.setShareAccess).toHaveBeenCalledWith({ cid: 'bafyp', secret: 'rotate' })
    rerender(<ShareList shares={[{ cid: 'bafyp', name: 'p', size: 1, files: 1, link: 'swarmdrop://bafyp?secret=abc', createdAt: 1, access: 'secret', allow: [], uploadedCopy: false, sent: 0, servedTo: [] }]} />)
    expect(screen.getByText(/^Private: only people with this link/).textContent).toBe('Private: only people with this link can download it; it is not announced.')
    await userEvent.click(screen.getByRole('button', { name: 'New link (the old one stops working)' }))
    expect(bridge.setShareAccess).toHaveBeenLastCalledWith({ cid: 'bafyp', secret: 'rotate' })
    await userEvent.click(screen.getByRole('button', { name: 'Make public' }))
    expect(bridge.setShareAccess).toHaveBeenLastCalledWith({ cid: 'bafyp', secret: 'none', allow: [] })
  })
})

describe('JoinBox', () => {
  it('starts a download for a link', async () => {
    const bridge = fakeBridge()
    renderWith(<JoinBox />, bridge)
    await userEvent.type(screen.getByLabelText('Peer ID or link'), 'swarmdrop://bafyreiabcdefghijklmnopqrstuvwxyz234567?name=a{Enter}')
    expect(bridge.startDownload).toHaveBeenCalledWith({ target: 'swarmdrop://bafyreiabcdefghijklmnopqrstuvwxyz234567?name=a' })
    expect(bridge.browsePeer).not.toHaveBeenCalled()
  })

  it('opens a peer\'s catalog for a peer ID, names as text, and downloads from it', async () => {
    const peerId = '12D3KooWLte7PAzSyCxtSRWJUyhMWyZsSnr1MVgPobW9Qc2qEVax'
    const bridge = fakeBridge({ browsePeer: vi.fn(async () => ({ peerId, entries: [{ cid: 'bafyc', name: EVIL, size: 10, files: 1 }] })) })
    const { container } = renderWith(<JoinBox />, bridge)
    await userEvent.type(screen.getByLabelText('Peer ID or link'), `${peerId}{Enter}`)
    expect(bridge.browsePeer).toHaveBeenCalledWith({ peer: peerId })
    const catalog = await screen.findByRole('region', { name: /Shared by 12D3Ko…2qEVax/ })
    // The name is the entry's text, and nothing was made of it.
    expect(within(catalog).getByRole('listitem', { name: EVIL }).textContent).toContain(EVIL)
    expect(container.querySelector('img')).toBeNull()
    await userEvent.click(within(catalog).getByRole('button', { name: `Download ${EVIL}` }))
    expect(bridge.startDownload).toHaveBeenCalledWith({ target: 'bafyc', peers: [peerId] })
    // Said where it went, and not offered twice.
    expect(within(catalog).getByRole('listitem', { name: EVIL }).textContent).toContain('Added to Downloads')
    expect(within(catalog).queryByRole('button', { name: `Download ${EVIL}` })).toBeNull()
  })

  it('shows the error under the box as a sentence for people, the raw text a click away', async () => {
    const bridge = fakeBridge({ browsePeer: vi.fn(async () => { throw new ApiError('INVALID_LINK', '"nope" is neither a multiaddr nor a peer ID') }) })
    renderWith(<JoinBox />, bridge)
    await userEvent.type(screen.getByLabelText('Peer ID or link'), 'nope{Enter}')
    const alert = await screen.findByRole('alert')
    expect(alert.querySelector('p')?.textContent).toBe('That is not a Swarmdrop link. Copy the whole link (it starts with swarmdrop://) and paste it again.')
    expect(alert.querySelector('p')?.textContent).not.toContain('multiaddr')
    // The raw text is a click away: folded under Details.
    expect(alert.querySelector('details summary')?.textContent).toBe('Details')
    expect(alert.querySelector('details')?.textContent).toContain('"nope" is neither a multiaddr nor a peer ID')
  })
})

describe('DownloadList', () => {
  it('tells a new user how to start a download', () => {
    renderWith(<DownloadList downloads={[]} />, fakeBridge())
    expect(screen.getByText(/Paste a link in the box at the top/).textContent).toBe('No downloads yet. Paste a link in the box at the top to start one.')
  })

  it('shows progress, speed, ETA, peers and a piece map, and its buttons act on the id', async () => {
    const bridge = fakeBridge()
    renderWith(<DownloadList downloads={[download()]} />, bridge)
    const item = screen.getByRole('listitem', { name: 'movie.mkv' })
    const bar = within(item).getByRole('progressbar', { name: 'Progress of movie.mkv' }) as HTMLProgressElement
    expect(bar.value).toBe(250_000_000)
    expect(item.textContent).toContain('50 MB/s')
    expect(item.textContent).toContain('15s left')
    expect(item.textContent).toContain('3 peers')
    await waitFor(() => { expect(item.querySelector('.piecemap-caption')?.textContent).toBe('8 of 16 pieces verified') })
    expect(within(item).getByRole('img').getAttribute('aria-label')).toBe('Piece map of movie.mkv: 8 of 16 pieces verified')
    await userEvent.click(within(item).getByRole('button', { name: 'Pause movie.mkv' }))
    expect(bridge.pauseDownload).toHaveBeenCalledWith({ id: 'bafyd' })
    // Open and Show in folder only once there is a file to open.
    expect(within(item).queryByRole('button', { name: /^Open/ })).toBeNull()
    expect(within(item).queryByRole('button', { name: /^Show/ })).toBeNull()
    await userEvent.click(within(item).getByRole('button', { name: 'Cancel movie.mkv' }))
    const ask = within(item).getByRole('alertdialog')
    expect(ask.textContent).toContain('The 250 MB received so far is deleted from your disk')
    await userEvent.keyboard('{Escape}')
    expect(within(item).queryByRole('alertdialog')).toBeNull()
    expect(bridge.cancelDownload).not.toHaveBeenCalled()
    await userEvent.click(within(item).getByRole('button', { name: 'Cancel movie.mkv' }))
    await userEvent.click(within(within(item).getByRole('alertdialog')).getByRole('button', { name: 'Cancel' }))
    expect(bridge.cancelDownload).toHaveBeenCalledWith({ id: 'bafyd' })
  })

  it('offers resume when paused, open when done, and shows a failure and its cause', async () => {
    const bridge = fakeBridge({ showDownloadInFolder: vi.fn(async () => { throw new ApiError('UNSUPPORTED', 'no program here could open /home/u/Downloads (xdg-open exited with 3)') }) })
    renderWith(<DownloadList downloads={[
      download({ id: 'p', name: 'paused.iso', state: 'paused' }),
      download({ id: 'd', name: 'done.zip', state: 'seeding', path: '/home/u/Downloads/done (1).zip', bytes: 10, total: 10, sources: { '12D3KooWAbcdefghijklmnop': { bytes: 10, path: 'relay' } }, paths: { direct: 4000, punched: 0, relay: 6000, hub: 0 } }),
      download({ id: 'f', name: 'failed.bin', state: 'failed', error: { code: 'NO_PEERS', message: 'none of the 2 peer(s) could be reached' } })
    ]} />, bridge)
    await userEvent.click(within(screen.getByRole('listitem', { name: 'paused.iso' })).getByRole('button', { name: 'Resume paused.iso' }))
    expect(bridge.resumeDownload).toHaveBeenCalledWith({ id: 'p' })
    const done = screen.getByRole('listitem', { name: 'done.zip' })
    expect(done.textContent).toContain('(relayed)')
    // Where it really went: a name clash saves beside the other file, never over it.
    expect(done.textContent).toContain('Saved to /home/u/Downloads/done (1).zip')
    // The routes the bytes took, each with its share: direct and relayed, no hub.
    const routes = within(done).getByRole('list', { name: 'Routes' })
    expect(within(routes).getAllByRole('listitem').map(li => li.textContent)).toEqual(['You — peer (direct)4.0 KB', 'You — relay — peer6.0 KB'])
    await userEvent.click(within(done).getByRole('button', { name: 'Open done.zip' }))
    expect(bridge.openDownload).toHaveBeenCalledWith({ id: 'd' })
    await userEvent.click(within(done).getByRole('button', { name: 'Show done.zip in its folder' }))
    // A failed opener is said, not swallowed.
    const opened = await within(done).findByRole('alert')
    expect(opened.querySelector('p')?.textContent).toBe('That cannot be done here: this machine or this window has no way to do it.')
    expect(opened.querySelector('code')?.textContent).toContain('exited with 3')
    const failed = screen.getByRole('listitem', { name: 'failed.bin' })
    expect(within(failed).getByRole('alert').querySelector('p')?.textContent).toBe('Stopped: No one sharing this could be reached yet. Swarmdrop keeps looking; check that the sharer is online.')
    expect((within(failed).getByRole('button', { name: 'Retry failed.bin' }) as HTMLButtonElement).disabled).toBe(false)
    expect(within(failed).queryByRole('button', { name: /^Open/ })).toBeNull()
  })
})

describe('DownloadList: downloads that are not moving say why', () => {
  it('waiting: who it last had and when, what it knows, and no Retry (it resumes by itself)', () => {
    const at = Date.now() - 125_000
    renderWith(<DownloadList downloads={[
      download({ id: 'w', name: 'waiting.iso', state: 'waiting', speed: 0, waiting: { since: at, lastSeen: { peerId: '12D3KooWAbcdefghijklmnopXYZ123', at }, known: 2, tried: ['link', 'dht'], nextTryAt: Date.now() + 5_000 } }),
      download({ id: 'n', name: 'never.iso', state: 'waiting', speed: 0, waiting: { since: at, lastSeen: null, known: 0, tried: [], nextTryAt: Date.now() + 1_000 } })
    ]} />, fakeBridge())
    const item = screen.getByRole('listitem', { name: 'waiting.iso' })
    expect(within(item).getByText('Waiting for peers').getAttribute('data-state')).toBe('waiting')
    expect(within(item).getByRole('status').textContent).toMatch(/^Waiting for peers — last seen 12D3Ko…XYZ123, 2m 5s ago\. Still looking; next try in [45]s\. Knows 2 peers of this swarm\.$/)
    expect(within(item).queryByRole('button', { name: 'Retry' })).toBeNull()
    expect((within(item).getByRole('button', { name: 'Pause waiting.iso' }) as HTMLButtonElement).disabled).toBe(false)
    expect(within(screen.getByRole('listitem', { name: 'never.iso' })).getByRole('status').textContent).toContain('nobody sharing this has answered yet')
  })

  it('stalled: how many pieces, which peers sent corrupt data, and since when', () => {
    const since = new Date(2026, 11, 2, 10, 31, 0).getTime()
    renderWith(<DownloadList downloads={[
      download({ id: 's', name: 'stuck.bin', state: 'stalled', stall: { since, pieces: 1, sample: [37], failedBy: ['12D3KooWBadPeerBadPeer999999'], unavailable: 0 } })
    ]} />, fakeBridge())
    const item = screen.getByRole('listitem', { name: 'stuck.bin' })
    expect(within(item).getByText('Stalled').getAttribute('data-state')).toBe('stalled')
    const text = within(item).getByRole('status').textContent
    expect(text).toContain('Stalled — 1 piece has no good source: 12D3Ko…999999 sent corrupt data for it')
    expect(text).toContain(new Date(since).toLocaleTimeString())
  })
})

describe('PeersView', () => {
  it('lists peers with route, latency and bytes each way', () => {
    const peers: PeerInfo[] = [
      { peerId: 'peer-direct', addrs: ['/ip4/127.0.0.1/tcp/1'], direction: 'outbound', route: 'direct', latencyMs: 12.4, bytesIn: 2_000_000, bytesOut: 0, since: 1 },
      { peerId: 'peer-relayed', addrs: ['/ip4/1.2.3.4/tcp/1/p2p/x/p2p-circuit'], direction: 'inbound', route: 'relayed', latencyMs: null, bytesIn: 0, bytesOut: 5000, since: 2 },
      { peerId: 'peer-punched', addrs: ['/ip4/1.2.3.4/udp/9/webrtc/p2p/y'], direction: 'outbound', route: 'punched', latencyMs: 30, bytesIn: 0, bytesOut: 0, since: 3 }
    ]
    renderWith(<PeersView peers={peers} />, fakeBridge())
    const rows = screen.getAllByRole('row').slice(1)
    expect(rows[0]!.textContent).toContain('Direct')
    expect(rows[0]!.textContent).toContain('12 ms')
    expect(rows[0]!.textContent).toContain('2.0 MB')
    expect(rows[1]!.textContent).toContain('Relayed')
    expect(rows[1]!.textContent).toContain('5.0 KB')
    expect(rows[2]!.textContent).toContain('Hole-punched')
  })
})

describe('App', () => {
  it('loads state, applies pushed deltas, and moves between tabs with the keyboard', async () => {
    const bridge = fakeBridge({ listDownloads: vi.fn(async () => [download({ bytes: 0 })]) })
    render(<I18nextProvider i18n={setupI18n('en')}><App bridge={bridge} /></I18nextProvider>)
    const item = await screen.findByRole('listitem', { name: 'movie.mkv' })
    bridge.emit('downloadsChanged', [{ id: 'bafyd', bytes: 500_000_000 }])
    await waitFor(() => { expect((within(item).getByRole('progressbar', { name: 'Progress of movie.mkv' }) as HTMLProgressElement).value).toBe(500_000_000) })
    const transfers = screen.getByRole('tab', { name: 'Transfers' })
    transfers.focus()
    await userEvent.keyboard('{ArrowRight}')
    expect(screen.getByRole('tab', { name: /Peers/ }).getAttribute('aria-selected')).toBe('true')
    expect(document.activeElement).toBe(screen.getByRole('tab', { name: /Peers/ }))
    expect(screen.getByRole('tabpanel').textContent).toContain('Not connected to anyone yet. Peers appear here when you share or download.')
    await userEvent.keyboard('{ArrowLeft}{ArrowLeft}')
    expect(screen.getByRole('tab', { name: 'Settings' }).getAttribute('aria-selected')).toBe('true')
    expect((screen.getByLabelText('Download folder') as HTMLInputElement).value).toBe('/home/u/Downloads')
  })

  it('speaks Korean', async () => {
    render(<I18nextProvider i18n={setupI18n('ko')}><App bridge={fakeBridge()} /></I18nextProvider>)
    const zone = await screen.findByRole('region', { name: '공유할 파일을 끌어다 놓기' })
    expect(zone.querySelector('.dropzone-title')?.textContent).toBe('공유할 파일이나 폴더를 여기에 끌어다 놓으세요')
    expect(screen.getByLabelText('피어 ID 또는 링크').getAttribute('placeholder')).toBe('swarmdrop:// 링크, 콘텐츠 ID 또는 피어 ID를 붙여 넣으세요')
  })
})
