// @vitest-environment jsdom
import { act, cleanup, render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { I18nextProvider } from 'react-i18next'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Status } from '../../../shared/api.js'
import { App } from '../../../src-renderer/App.js'
import { setupI18n } from '../../../src-renderer/i18n/index.js'
import { fakeBridge } from './fake-bridge.js'

const damaged = { file: 'bans.json', movedTo: 'bans.json.corrupt-2026-12-04T06-00-00-000Z', reason: 'is not valid JSON: Unexpected end of JSON input', at: 1 }

describe('damaged state files in the app', () => {
  afterEach(() => { cleanup() })

  it('says which file was damaged, where the copy is kept and why; dismissed, it comes back for the next one found', async () => {
    const status: Status = { peerId: '12D3KooWTestPeer', addrs: [], version: '0.1.0', shell: 'daemon', restartNeeded: false, restartFor: [], damagedFiles: [damaged] }
    const bridge = fakeBridge({ status: vi.fn(async () => status) })
    render(<I18nextProvider i18n={setupI18n('en')}><App bridge={bridge} /></I18nextProvider>)
    const notice = await screen.findByText(/A file in Swarmdrop's data folder was damaged/)
    const box = notice.closest('[role="alert"]')!
    expect(box.textContent).toContain('bans.json — kept as bans.json.corrupt-2026-12-04T06-00-00-000Z (is not valid JSON: Unexpected end of JSON input)')
    await userEvent.click(screen.getByRole('button', { name: 'Dismiss' }))
    expect(screen.queryByText(/data folder was damaged/)).toBeNull()
    act(() => { bridge.emit('stateDamaged', { file: 'downloads/abc/state.json', movedTo: 'downloads/abc/state.json.corrupt-x', reason: 'is not valid JSON', at: 2 }) })
    const again = await screen.findByText(/A file in Swarmdrop's data folder was damaged/)
    expect(again.closest('[role="alert"]')!.textContent).toContain('downloads/abc/state.json — kept as downloads/abc/state.json.corrupt-x')
    expect(again.closest('[role="alert"]')!.textContent).not.toContain('bans.json')
  })
})
