import { useEffect, useReducer, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { EventName, Events, SwarmdropBridge } from '../shared/api.js'
import { DownloadList } from './components/DownloadList.js'
import { DropZone } from './components/DropZone.js'
import { FeedView } from './components/FeedView.js'
import { JoinBox } from './components/JoinBox.js'
import { PeersView } from './components/PeersView.js'
import { SettingsView } from './components/SettingsView.js'
import { ShareList } from './components/ShareList.js'
import { ThroughputChart } from './components/ThroughputChart.js'
import { LANGUAGES } from './i18n/index.js'
import { BridgeContext } from './state/bridge-context.js'
import { initialState, reduce, type Action } from './state/store.js'
import { EVENT_NAMES } from '../shared/api.js'
import { errorText } from '../shared/errors.js'
import { shortId } from './state/format.js'

/** How long a "download finished" note stays on screen. */
const TOAST_MS = 6_000
const TABS = ['transfers', 'peers', 'feed', 'settings'] as const
type Tab = typeof TABS[number]
type Theme = 'system' | 'light' | 'dark'

export function App ({ bridge, connection }: { bridge: SwarmdropBridge, connection?: (listener: (up: boolean) => void) => void }): React.JSX.Element {
  const { t, i18n } = useTranslation()
  const [state, dispatch] = useReducer(reduce, initialState)
  const [tab, setTab] = useState<Tab>('transfers')
  const [loadError, setLoadError] = useState<string | null>(null)
  const [toasts, setToasts] = useState<Array<{ id: string, text: string }>>([])
  const [theme, setTheme] = useState<Theme>(() => (localStorage.getItem('swarmdrop-theme') as Theme | null) ?? 'system')

  useEffect(() => {
    document.documentElement.dataset.theme = theme
    localStorage.setItem('swarmdrop-theme', theme)
  }, [theme])

  useEffect(() => {
    const offs = EVENT_NAMES.map(name => bridge.on(name, (payload: Events[EventName]) => { dispatch({ type: 'event', name, payload } as Action) }))
    offs.push(bridge.on('downloadFinished', p => {
      const text = t('notify.finished', { name: p.name })
      setToasts(list => [...list.filter(x => x.id !== p.id), { id: p.id, text }])
      setTimeout(() => { setToasts(list => list.filter(x => x.id !== p.id)) }, TOAST_MS)
      // In a browser tab the system notification shows only if the user allowed it; Electron's main process notifies on its own.
      if (bridge.shell === 'browser' && typeof Notification === 'function' && Notification.permission === 'granted' && document.hidden) new Notification(text)
    }))
    const load = async (): Promise<void> => {
      const [status, settings, shares, downloads, peers, feed] = await Promise.all([
        bridge.status({}), bridge.getSettings({}), bridge.listShares({}), bridge.listDownloads({}), bridge.listPeers({}), bridge.listFeed({})
      ])
      dispatch({ type: 'loaded', status, settings, shares, downloads, peers, feed })
      setLoadError(null)
    }
    load().catch(err => { setLoadError(errorText(err)) })
    connection?.(up => {
      dispatch({ type: 'connection', up })
      if (up) load().catch(err => { setLoadError(errorText(err)) })
    })
    return () => { for (const off of offs) off() }
  }, [bridge, connection, t])

  const onTabKey = (e: React.KeyboardEvent, i: number): void => {
    const next = e.key === 'ArrowRight' ? (i + 1) % TABS.length : e.key === 'ArrowLeft' ? (i + TABS.length - 1) % TABS.length : -1
    if (next < 0) return
    setTab(TABS[next]!)
    document.getElementById(`tab-${TABS[next]}`)?.focus()
  }

  return (
    <BridgeContext.Provider value={bridge}>
      <div className="app">
        <header className="top">
          <div className="brand">
            <img src="/icon.svg" alt="" width={28} height={28} />
            <div>
              <h1>{t('app.title')}</h1>
              <p className="muted small">{t('app.tagline')}</p>
            </div>
          </div>
          {state.status != null && (
            <p className="muted small" title={state.status.peerId}>
              {t('app.yourId')}: <code>{shortId(state.status.peerId)}</code>{' '}
              <button type="button" className="link-button" onClick={() => { void navigator.clipboard?.writeText(state.status!.peerId) }}>{t('app.copyId')}</button>
            </p>
          )}
          <div className="row">
            <label className="small">{t('theme.label')}{' '}
              <select value={theme} onChange={e => { setTheme(e.target.value as Theme) }}>
                <option value="system">{t('theme.system')}</option>
                <option value="light">{t('theme.light')}</option>
                <option value="dark">{t('theme.dark')}</option>
              </select>
            </label>
            <label className="small">{t('language.label')}{' '}
              <select value={i18n.language} onChange={e => { void i18n.changeLanguage(e.target.value); localStorage.setItem('swarmdrop-lang', e.target.value); document.documentElement.lang = e.target.value }}>
                {LANGUAGES.map(l => <option key={l.code} value={l.code}>{l.name}</option>)}
              </select>
            </label>
          </div>
        </header>
        {!state.connected && <p role="alert" className="banner">{t('app.offline')}</p>}
        {loadError != null && <p role="alert" className="banner">{t('errors.generic', { message: loadError })}</p>}
        {state.status?.restartNeeded === true && <p role="status" className="banner info">{t('app.restartNeeded')}</p>}
        <JoinBox />
        <nav className="tabs" role="tablist" aria-label={t('nav.label')}>
          {TABS.map((name, i) => (
            <button
              key={name}
              id={`tab-${name}`}
              type="button"
              role="tab"
              aria-selected={tab === name}
              aria-controls={`panel-${name}`}
              tabIndex={tab === name ? 0 : -1}
              onClick={() => { setTab(name) }}
              onKeyDown={e => { onTabKey(e, i) }}
            >
              {t(`nav.${name}`)}{name === 'peers' && state.peers.length > 0 ? ` (${state.peers.length})` : ''}
            </button>
          ))}
        </nav>
        <main id={`panel-${tab}`} role="tabpanel" aria-labelledby={`tab-${tab}`} className="panel">
          {tab === 'transfers' && (
            <>
              <DropZone hashing={state.hashing} />
              <div className="columns">
                <ShareList shares={state.shares} />
                <DownloadList downloads={state.downloads} />
              </div>
              <ThroughputChart samples={state.throughput} />
            </>
          )}
          {tab === 'peers' && <PeersView peers={state.peers} />}
          {tab === 'feed' && <FeedView feed={state.feed} />}
          {tab === 'settings' && state.settings != null && (
            <SettingsView settings={state.settings} onSaved={s => { dispatch({ type: 'settings', settings: s }); void bridge.status({}).then(st => { dispatch({ type: 'status', status: st }) }) }} />
          )}
        </main>
        <div className="toasts" role="status" aria-live="polite">
          {toasts.map(x => (
            <p key={x.id} className="toast">
              {x.text}{' '}
              <button type="button" className="link-button" onClick={() => { setToasts(list => list.filter(y => y.id !== x.id)) }}>{t('notify.dismiss')}</button>
            </p>
          ))}
        </div>
      </div>
    </BridgeContext.Provider>
  )
}
