// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Connectivity } from '../../../shared/connectivity.js'
import { ConnectivityCard } from '../../../src-renderer/components/ConnectivityCard.js'
import { fakeBridge } from './fake-bridge.js'
import { renderWith } from './render.js'

const ME = '12D3KooWMeMeMeMeMeMeMeMeMeMeMeMeMeMe'
const base: Connectivity = {
  reachability: 'relayed',
  addrs: [
    { addr: `/ip4/192.168.1.20/tcp/4001/p2p/${ME}`, source: 'listen', scope: 'lan', confirmed: true },
    { addr: `/ip4/11.0.0.9/tcp/4001/p2p/${ME}`, source: 'observed', scope: 'public', confirmed: false, reason: 'dial timed out' }
  ],
  mapping: { state: 'no-router', external: null, reason: null, at: null },
  hub: { peerId: '12D3KooWHub', reservation: `/ip4/11.0.0.1/tcp/4001/p2p/12D3KooWHub/p2p-circuit/p2p/${ME}`, observed: '/ip4/11.0.0.9/tcp/5555' },
  holePunch: { attempts: 3, successes: 2 },
  checkedAt: 1
}

/** The card's one-line verdict. */
function verdict (): string | null | undefined {
  return document.querySelector('[data-reach]')?.textContent
}
/** The card's line on mapping, hub and hole punching. */
function facts (): string {
  return screen.getByText(/Router port mapping/).textContent ?? ''
}

afterEach(cleanup)

describe('ConnectivityCard', () => {
  it('says in words that a node behind a router is reached through the hub, and what to do', () => {
    renderWith(<ConnectivityCard connectivity={base} />, fakeBridge())
    expect(verdict()).toBe('Behind a router; peers reach you through your hub.')
    expect(screen.getByText(/Hole punching tries/).textContent).toContain('forward port 4001 to this computer')
    expect(facts()).toContain('no router answered')
    expect(facts()).toContain('relay slot reserved')
    expect(facts()).toContain('2 of 3 attempts went direct')
    const list = screen.getByRole('list')
    expect(within(list).getAllByRole('listitem')[1]!.textContent).toContain('not reachable')
    expect(within(list).getAllByRole('listitem')[1]!.textContent).toContain('dial timed out')
  })

  it('names the mapped address when the router opened a port by UPnP', () => {
    const c: Connectivity = { ...base, reachability: 'mapped', mapping: { state: 'mapped', external: '/ip4/11.0.0.7/tcp/31000', reason: null, at: 1 } }
    renderWith(<ConnectivityCard connectivity={c} />, fakeBridge())
    expect(verdict()).toBe('Reachable from the internet at 11.0.0.7:31000 — port opened on your router by UPnP.')
  })

  it('says a public address is confirmed by the hub', () => {
    const c: Connectivity = { ...base, reachability: 'public', addrs: [{ addr: `/ip4/11.0.0.5/tcp/4001/p2p/${ME}`, source: 'listen', scope: 'public', confirmed: true }] }
    renderWith(<ConnectivityCard connectivity={c} />, fakeBridge())
    expect(verdict()).toBe('Reachable from the internet at 11.0.0.5:4001 (confirmed by your hub).')
  })

  it('with no hub and no open port, says only local and public peers can reach us', () => {
    const c: Connectivity = { ...base, reachability: 'local', hub: null, addrs: [] }
    renderWith(<ConnectivityCard connectivity={c} />, fakeBridge())
    expect(verdict()).toBe('No hub and no open port: only peers on your network and public peers can reach you.')
    expect(screen.getByText(/Add a hub in Settings/).textContent).toBe('Add a hub in Settings, or turn on UPnP on your router.')
    expect(facts()).toContain('Hub: none')
  })

  it('asks the engine to check again', async () => {
    const bridge = fakeBridge()
    renderWith(<ConnectivityCard connectivity={base} />, bridge)
    await userEvent.click(screen.getByRole('button', { name: 'Check again' }))
    await waitFor(() => { expect(vi.mocked(bridge.connectivity)).toHaveBeenCalledWith({ recheck: true }) })
  })
})
