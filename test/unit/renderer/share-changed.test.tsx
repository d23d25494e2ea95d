// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ShareInfo } from '../../../shared/api.js'
import { ShareList } from '../../../src-renderer/components/ShareList.js'
import { fakeBridge } from './fake-bridge.js'
import { renderWith } from './render.js'

afterEach(() => { cleanup() })

const base: ShareInfo = { cid: 'bafyc', name: 'album', size: 10, files: 2, link: 'swarmdrop://bafyc', createdAt: 1, access: 'public', allow: [], uploadedCopy: false, sent: 0, servedTo: [] }
const changed: ShareInfo = { ...base, changed: { file: 'album/03.flac', kind: 'replaced', reason: 'the file was replaced by another one', at: 2 } }

describe('ShareList: a share whose file changed on disk', () => {
  it('shows no badge and no "Share again" while its files are as hashed', () => {
    renderWith(<ShareList shares={[base]} />, fakeBridge())
    expect(screen.queryByText('Changed on disk')).toBeNull()
    expect(screen.queryByRole('button', { name: 'Share again' })).toBeNull()
  })

  it('says which file changed and how, and shares it again with one click', async () => {
    let done: (v: ShareInfo) => void = () => {}
    const reshare = vi.fn(async () => await new Promise<ShareInfo>(resolve => { done = resolve }))
    const bridge = fakeBridge({ reshare })
    renderWith(<ShareList shares={[changed]} />, bridge)
    const item = screen.getByRole('listitem', { name: 'album' })
    // A badge in the failure colour, beside the name.
    expect(within(item).getByText('Changed on disk').getAttribute('data-state')).toBe('failed')
    expect(within(item).getByRole('status').textContent).toMatch(/^album\/03\.flac was replaced by another file after it was shared/)
    const button = within(item).getByRole('button', { name: 'Share again' })
    await userEvent.click(button)
    expect(reshare).toHaveBeenCalledWith({ cid: 'bafyc' })
    // One action: no second request while the first is hashing.
    expect((button as HTMLButtonElement).disabled).toBe(true)
    done({ ...base, cid: 'bafyd' })
    await waitFor(() => { expect((button as HTMLButtonElement).disabled).toBe(false) })
  })

  it('shows why sharing again failed', async () => {
    const bridge = fakeBridge({ reshare: vi.fn(async () => { throw new Error('cannot share "album" again: /m/album/03.flac is gone') }) })
    renderWith(<ShareList shares={[{ ...changed, changed: { ...changed.changed!, kind: 'gone' } }]} />, bridge)
    expect(screen.getByRole('status').textContent).toMatch(/was deleted or moved/)
    await userEvent.click(screen.getByRole('button', { name: 'Share again' }))
    expect((await screen.findByRole('alert')).textContent).toMatch(/is gone/)
  })

  it('says it in Korean too', () => {
    renderWith(<ShareList shares={[changed]} />, fakeBridge(), 'ko')
    expect(screen.getByText('디스크에서 변경됨').getAttribute('data-state')).toBe('failed')
    expect((screen.getByRole('button', { name: '다시 공유' }) as HTMLButtonElement).disabled).toBe(false)
    expect(screen.getByRole('status').textContent).toContain('다른 파일로 바뀌었습니다')
  })
})
