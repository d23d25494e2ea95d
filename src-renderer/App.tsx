import { useEffect, useReducer, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { EventName, Events, SwarmdropBridge } from '../shared/api.js'
import { DownloadList } from './components/DownloadList.js'
import { DropZone } from './components/DropZone.js'
import { FeedView } from './components/FeedView.js'
import { DamagedFilesNotice } from './components/DamagedFilesNotice.js'
import { JoinBox } from './components/JoinBox.js'
import { ConnectivityCard } from './components/ConnectivityCard.js'
import { PeersView } from './components/PeersView.js'
import { SettingsView } from './components/SettingsView.js'
import { ShareList } from './components/ShareList.js'
import { ThroughputChart } from './components/ThroughputChart.js'
import { LANGUAGES } from './i18n/index.js'
import { BridgeContext } from './state/bridge-context.js'
import { initialState, reduce, type Action } from './state/store.js'
import { EVENT_NAMES } from '../shared/api.js'
import type { Connection } from './bridge/ws-bridge.js'
import { ErrorNote } from './components/ErrorNote.js'
import { shortId } from './state/format.js'
import { toUiError, type UiError } from './state/ui-error.js'
import { useCopied } from './state/use-copied.js'

/** How long a "download finished" note stays on screen. */
const TOAST_MS = 6_000
const TABS = ['transfers', 'peers', 'feed', 'settings'] as const
type Tab = typeof TABS[number]
type Theme = 'system' | 'light' | 'dark'

export function App ({ bridge, connection }: { bridge: SwarmdropBridge, connection?: (listener: (state: Connection) => void) => void }): React.JSX.Element {
  const { t, i18n } = useTranslation()
  const [state, dispatch] = useReducer(reduce, initialState)
  const [tab, setTab] = useState<Tab>('transfers')
  const [loadError, setLoadError] = useState<UiError | null>(null)
  const [unauthorized, setUnauthorized] = useState(false)
  const [copiedId, copyId] = useCopied()
  // The name is kept, not the sentence, so a toast follows a change of language.
  const [toasts, setToasts] = useState<Array<{ id: string, name: string }>>([])
  const [theme, setTheme] = useState<Theme>(() => (localStorage.getItem('swarmdrop-theme') as Theme | null) ?? 'system')

  useEffect(() => {
    document.documentElement.dataset.theme = theme
    localStorage.setItem('swarmdrop-theme', theme)
  }, [theme])

  useEffect(() => {
    const offs = EVENT_NAMES.map(name => bridge.on(name, (payload: Events[EventName]) => { dispatch({ type: 'event', name, payload } as Action) }))
    offs.push(bridge.on('downloadFinished', p => {
      const text = t('notify.finished', { name: p.name })
      setToasts(list => [...list.filter(x => x.id !== p.id), { id: p.id, name: p.name }])
      setTimeout(() => { setToasts(list => list.filter(x => x.id !== p.id)) }, TOAST_MS)
      // In a browser tab the system notification shows only if the user allowed it; Electron's main process notifies on its own.
      if (bridge.shell === 'browser' && typeof Notification === 'function' && Notification.permission === 'granted' && document.hidden) new Notification(text)
    }))
    const load = async (): Promise<void> => {
      const [status, settings, shares, downloads, peers, connectivity, feed] = await Promise.all([
        bridge.status({}), bridge.getSettings({}), bridge.listShares({}), bridge.listDownloads({}), bridge.listPeers({}), bridge.connectivity({}), bridge.listFeed({})
      ])
      dispatch({ type: 'loaded', status, settings, shares, downloads, peers, connectivity, feed })
      setLoadError(null)
    }
    const failed = (err: unknown): void => {
      const e = toUiError(err)
      // Offline is said by its own banner; this one is for a load the daemon answered with an error.
      if (e.code !== 'OFFLINE') setLoadError(e)
    }
    load().catch(failed)
    connection?.(c => {
      setUnauthorized(c === 'unauthorized')
      dispatch({ type: 'connection', up: c === 'up' })
      if (c === 'up') load().catch(failed)
    })
    return () => { for (const off of offs) off() }
  }, [bridge, connection, t])

  const onTabKey = (e: React.KeyboardEvent, i: number): void => {
    const next = e.key === 'ArrowRight' ? (i + 1) % TABS.length : e.key === 'ArrowLeft' ? (i + TABS.length - 1) % TABS.length : -1
    if (next < 0) return
    setTab(TABS[next]!)
    document.getElementById(`tab-${TABS[next]}`)?.focus()
  }

  if (unauthorized) {
    return (
      <main className="app unauthorized">
        <img src="/icon.svg" alt="" width={48} height={48} />
        <h1>{t('app.title')}</h1>
        <p role="alert">{t('app.unauthorized')}</p>
      </main>
    )
  }

  const offline = !state.connected
  const downloadCids = new Set(state.downloads.map(d => d.cid))

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
              <button type="button" className="link-button" onClick={() => { copyId(state.status!.peerId).catch(() => {}) }}>{copiedId ? t('app.copied') : t('app.copyId')}</button>
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
        {offline && <p role="alert" className="banner">{t('app.offline')}</p>}
        {loadError != null && <div className="banner"><ErrorNote error={loadError} lead={t('app.loadFailed')} /></div>}
        {state.status?.restartNeeded === true && (
          <p role="status" className="banner info">
            {state.status.restartFor.length > 0
              ? t('app.restartFor', { settings: state.status.restartFor.map(k => t(`settings.${k}`)).join(', ') })
              : t('app.restartNeeded')}
          </p>
        )}
        {state.status != null && <DamagedFilesNotice files={state.status.damagedFiles} />}
        {/* While offline nothing can be asked, so every control is off (the banner above says why) rather than failing one by one. */}
        <fieldset className="bare" disabled={offline}>
          <JoinBox ownPeerId={state.status?.peerId} have={downloadCids} />
        </fieldset>
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
          <fieldset className="bare" disabled={offline}>
          {tab === 'transfers' && (
            <>
              <DropZone hashing={state.hashing} disabled={offline} compact={state.downloads.length + state.shares.length > 0} />
              <div className="columns">
                <ShareList shares={state.shares} stats={state.shareStats} hidden={downloadCids} />
                <DownloadList downloads={state.downloads} stats={state.shareStats} />
              </div>
              <ThroughputChart samples={state.throughput} />
            </>
          )}
          {tab === 'peers' && <><ConnectivityCard connectivity={state.connectivity} /><PeersView peers={state.peers} /></>}
          {tab === 'feed' && <FeedView feed={state.feed} names={Object.fromEntries([...state.shares.map(x => [x.cid, x.name]), ...state.downloads.map(d => [d.cid, d.name])])} />}
          {tab === 'settings' && state.settings != null && (
            <SettingsView settings={state.settings} onSaved={s => { dispatch({ type: 'settings', settings: s }); void bridge.status({}).then(st => { dispatch({ type: 'status', status: st }) }) }} />
          )}
          </fieldset>
        </main>
        <div className="toasts" role="status" aria-live="polite">
          {toasts.map(x => (
            <p key={x.id} className="toast">
              {t('notify.finished', { name: x.name })}{' '}
              <button type="button" className="link-button" onClick={() => { setToasts(list => list.filter(y => y.id !== x.id)) }}>{t('notify.dismiss')}</button>
            </p>
          ))}
        </div>
      </div>
    </BridgeContext.Provider>
  )
}
