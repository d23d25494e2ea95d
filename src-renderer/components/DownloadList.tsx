import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { DownloadInfo } from '../../shared/api.js'
import { errorText } from '../../shared/errors.js'
import { useBridge } from '../state/bridge-context.js'
import { formatBytes, formatSpeed } from '../../shared/format.js'
import { etaSeconds, formatDuration, shortId } from '../state/format.js'
import { PieceMap } from './PieceMap.js'
import { RouteDiagram } from './RouteDiagram.js'

/** Re-renders every `ms` while `on`: "2 min ago" stays true without events. */
function useNow (on: boolean, ms = 1000): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    if (!on) return
    const t = setInterval(() => { setNow(Date.now()) }, ms)
    return () => { clearInterval(t) }
  }, [on, ms])
  return now
}

/** Why a download is not moving, in words: who it waits for, or which pieces have no good source. */
function WhyNotMoving ({ d }: { d: DownloadInfo }): React.JSX.Element | null {
  const { t } = useTranslation()
  const now = useNow(d.state === 'waiting' || d.state === 'stalled')
  if (d.state === 'waiting' && d.waiting != null) {
    const w = d.waiting
    const next = formatDuration(Math.max(0, Math.ceil((w.nextTryAt - now) / 1000)))
    return (
      <p className="muted small why" role="status">
        {w.lastSeen != null
          ? t('downloads.waitingLastSeen', { peer: shortId(w.lastSeen.peerId), ago: formatDuration(Math.max(1, Math.round((now - w.lastSeen.at) / 1000))), next })
          : t('downloads.waitingNever', { next })}
        {w.known > 0 && <> {t('downloads.waitingKnown', { count: w.known })}</>}
      </p>
    )
  }
  if (d.state === 'stalled' && d.stall != null) {
    const s = d.stall
    const why = [
      ...(s.failedBy.length > 0 ? [t('downloads.stallCorrupt', { peers: s.failedBy.map(shortId).join(', ') })] : []),
      ...(s.unavailable > 0 ? [t('downloads.stallMissing', { count: s.unavailable })] : [])
    ]
    return (
      <p className="muted small why" role="status">
        {t('downloads.stallPieces', { count: s.pieces })}{why.length > 0 ? `: ${why.join('; ')}` : ''} ({t('downloads.stallSince', { time: new Date(s.since).toLocaleTimeString() })}). {t('downloads.stallHint')}
      </p>
    )
  }
  return null
}

type Action = 'pauseDownload' | 'resumeDownload' | 'cancelDownload' | 'openDownload' | 'showDownloadInFolder'

function DownloadItem ({ d }: { d: DownloadInfo }): React.JSX.Element {
  const { t } = useTranslation()
  const bridge = useBridge()
  const [error, setError] = useState<string | null>(null)
  const act = (a: Action): void => {
    setError(null)
    bridge[a]({ id: d.id }).catch((err: unknown) => { setError(errorText(err)) })
  }
  const eta = etaSeconds(d.bytes, d.total, d.speed)
  const running = d.state === 'connecting' || d.state === 'checking' || d.state === 'downloading' || d.state === 'waiting' || d.state === 'stalled'
  const pct = d.total === 0 ? 0 : Math.floor(d.bytes * 100 / d.total)
  return (
    <li className={`card download state-${d.state}`} aria-label={d.name}>
      <div className="row spread">
        <h3 className="name">{d.name}</h3>
        <span className="badge" data-state={d.state}>{t(`downloads.state.${d.state}`)}</span>
      </div>
      <progress max={d.total || 1} value={d.bytes} aria-label={t('downloads.progress', { name: d.name })} />
      <p className="muted small stats">
        <span>{formatBytes(d.bytes)} / {formatBytes(d.total)} ({pct}%)</span>
        {running && <span>{formatSpeed(d.speed)}</span>}
        {running && eta != null && <span>{t('downloads.eta', { time: formatDuration(eta) })}</span>}
        {running && <span>{t('downloads.peers', { count: d.peers })}</span>}
      </p>
      <WhyNotMoving d={d} />
      {d.state === 'seeding' && <p className="muted small saved-to">{t('downloads.savedTo', { path: d.path })}</p>}
      {d.pieces > 0 && <PieceMap id={d.id} name={d.name} live={running} />}
      <RouteDiagram paths={d.paths} />
      {Object.keys(d.sources).length > 0 && (
        <p className="muted small">{t('downloads.sources')}: {Object.entries(d.sources).map(([peer, s]) => `${shortId(peer)} ${formatBytes(s.bytes)} (${t(`downloads.path.${s.path}`)})`).join(', ')}</p>
      )}
      {d.error != null && <p role="alert" className="error">{d.error.message}</p>}
      {error != null && <p role="alert" className="error">{error}</p>}
      <div className="row">
        {running && <button type="button" onClick={() => { act('pauseDownload') }}>{t('downloads.pause')}</button>}
        {d.state === 'paused' && <button type="button" onClick={() => { act('resumeDownload') }}>{t('downloads.resume')}</button>}
        {d.state === 'failed' && <button type="button" onClick={() => { act('resumeDownload') }}>{t('downloads.retry')}</button>}
        {d.state === 'seeding' && <button type="button" onClick={() => { act('openDownload') }}>{t('downloads.open')}</button>}
        <button type="button" className="secondary" onClick={() => { act('showDownloadInFolder') }}>{t('downloads.show')}</button>
        <button type="button" className="secondary" onClick={() => { act('cancelDownload') }}>{d.state === 'seeding' ? t('downloads.remove') : t('downloads.cancel')}</button>
      </div>
    </li>
  )
}

export function DownloadList ({ downloads }: { downloads: DownloadInfo[] }): React.JSX.Element {
  const { t } = useTranslation()
  return (
    <section aria-labelledby="downloads-title">
      <h2 id="downloads-title">{t('downloads.title')}</h2>
      {downloads.length === 0
        ? <p className="empty">{t('downloads.empty')}</p>
        : <ul className="list">{[...downloads].sort((a, b) => b.addedAt - a.addedAt).map(d => <DownloadItem key={d.id} d={d} />)}</ul>}
    </section>
  )
}
