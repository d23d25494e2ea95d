import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { isDone, isRunning, type DownloadInfo, type ShareStats } from '../../shared/api.js'
import { useBridge } from '../state/bridge-context.js'
import { formatBytes, formatSpeed } from '../../shared/format.js'
import { etaSeconds, formatDuration, formatTime, shortId } from '../state/format.js'
import { toUiError, type UiError } from '../state/ui-error.js'
import { useFocusAfterRemoval } from '../state/use-focus-after-removal.js'
import { Confirm } from './Confirm.js'
import { ErrorNote } from './ErrorNote.js'
import { PieceMap } from './PieceMap.js'
import { RouteDiagram } from './RouteDiagram.js'
import { ShortId } from './ShortId.js'
import { UploadLine } from './UploadLine.js'

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
  const { t, i18n } = useTranslation()
  const now = useNow(d.state === 'waiting' || d.state === 'stalled')
  if (d.state === 'waiting' && d.waiting != null) {
    const w = d.waiting
    const next = formatDuration(Math.max(0, Math.ceil((w.nextTryAt - now) / 1000)), i18n.language)
    return (
      <p className="muted small why" role="status">
        {w.lastSeen != null
          ? t('downloads.waitingLastSeen', { peer: shortId(w.lastSeen.peerId), ago: formatDuration(Math.max(1, Math.round((now - w.lastSeen.at) / 1000)), i18n.language), next })
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
        {t('downloads.stallPieces', { count: s.pieces })}{why.length > 0 ? `: ${why.join('; ')}` : ''} ({t('downloads.stallSince', { time: formatTime(s.since, i18n.language) })}). {t('downloads.stallHint')}
      </p>
    )
  }
  return null
}

type Action = 'pauseDownload' | 'resumeDownload' | 'cancelDownload' | 'openDownload' | 'showDownloadInFolder'

function DownloadItem ({ d, stats, onRemoved }: { d: DownloadInfo, stats?: ShareStats, onRemoved: (id: string) => void }): React.JSX.Element {
  const { t, i18n } = useTranslation()
  const bridge = useBridge()
  const [error, setError] = useState<UiError | null>(null)
  const [asking, setAsking] = useState(false)
  const act = (a: Action): void => {
    setError(null)
    bridge[a]({ id: d.id }).then(() => { if (a === 'cancelDownload') onRemoved(d.id) }, (err: unknown) => { setError(toUiError(err)) })
  }
  const eta = etaSeconds(d.bytes, d.total, d.speed)
  const running = isRunning(d.state)
  const done = isDone(d.state)
  const pct = d.total === 0 ? 0 : Math.floor(d.bytes * 100 / d.total)
  const sources = Object.entries(d.sources)
  const item = { name: d.name }
  const removeText = done
    ? t('confirm.removeDone', { name: d.name, path: d.path })
    : t('confirm.cancelDownload', { name: d.name, size: formatBytes(d.bytes) })
  return (
    <li className={`card download state-${d.state}`} aria-label={d.name} data-key={d.id}>
      <div className="row spread">
        <h3 className="name">{d.name}</h3>
        <span className="badge" data-state={d.state}>{t(`downloads.state.${d.state}`)}</span>
      </div>
      <progress max={d.total || 1} value={d.bytes} aria-label={t('downloads.progress', item)} />
      <p className="muted small stats">
        <span>{formatBytes(d.bytes)} / {formatBytes(d.total)} ({pct}%)</span>
        {running && <span>{formatSpeed(d.speed)}</span>}
        {running && eta != null && <span>{t('downloads.eta', { time: formatDuration(eta, i18n.language) })}</span>}
        {running && <span>{t('downloads.peers', { count: d.peers })}</span>}
      </p>
      <WhyNotMoving d={d} />
      {done && <p className="muted small saved-to">{t('downloads.savedTo', { path: d.path })}</p>}
      {d.state === 'seeding' && <UploadLine stats={stats} sent={0} servedTo={[]} />}
      {d.pieces > 0 && <PieceMap id={d.id} name={d.name} state={d.state} />}
      <RouteDiagram paths={d.paths} />
      {sources.length > 0 && (
        <p className="muted small">{t('downloads.sources')}: {sources.map(([peer, s], i) => <span key={peer}>{i > 0 && ', '}<ShortId value={peer} /> {formatBytes(s.bytes)} ({t(`downloads.path.${s.path}`)})</span>)}</p>
      )}
      {d.state === 'failed' && d.error != null && <ErrorNote error={toUiError(d.error)} lead={t('downloads.failedLead')} />}
      {error != null && <ErrorNote error={error} />}
      {asking
        ? <Confirm text={removeText} yes={done ? t('downloads.remove') : t('downloads.cancel')} onYes={() => { setAsking(false); act('cancelDownload') }} onNo={() => { setAsking(false) }} />
        : (
          <div className="row">
            {running && <button type="button" aria-label={t('downloads.pauseItem', item)} onClick={() => { act('pauseDownload') }}>{t('downloads.pause')}</button>}
            {d.state === 'paused' && <button type="button" aria-label={t('downloads.resumeItem', item)} onClick={() => { act('resumeDownload') }}>{t('downloads.resume')}</button>}
            {d.state === 'failed' && <button type="button" aria-label={t('downloads.retryItem', item)} onClick={() => { act('resumeDownload') }}>{t('downloads.retry')}</button>}
            {done && <button type="button" aria-label={t('downloads.openItem', item)} onClick={() => { act('openDownload') }}>{t('downloads.open')}</button>}
            {done && <button type="button" className="secondary" aria-label={t('downloads.showItem', item)} onClick={() => { act('showDownloadInFolder') }}>{t('downloads.show')}</button>}
            {d.state === 'seeding' && <button type="button" className="secondary" aria-label={t('downloads.stopSeedingItem', item)} onClick={() => { act('pauseDownload') }}>{t('downloads.stopSeeding')}</button>}
            {d.state === 'finished' && <button type="button" className="secondary" aria-label={t('downloads.seedAgainItem', item)} onClick={() => { act('resumeDownload') }}>{t('downloads.seedAgain')}</button>}
            <button type="button" className="secondary" aria-label={t(done ? 'downloads.removeItem' : 'downloads.cancelItem', item)} onClick={() => { setAsking(true) }}>{done ? t('downloads.remove') : t('downloads.cancel')}</button>
          </div>
          )}
    </li>
  )
}

export function DownloadList ({ downloads, stats = {} }: { downloads: DownloadInfo[], stats?: Record<string, ShareStats> }): React.JSX.Element {
  const { t } = useTranslation()
  const sorted = [...downloads].sort((a, b) => b.addedAt - a.addedAt)
  const { list, heading, onRemoved } = useFocusAfterRemoval(sorted.map(d => d.id))
  return (
    <section aria-labelledby="downloads-title">
      <h2 id="downloads-title" ref={heading} tabIndex={-1}>{t('downloads.title')}</h2>
      {downloads.length === 0
        ? <p className="empty">{t('downloads.empty')}</p>
        : <ul className="list" ref={list}>{sorted.map(d => <DownloadItem key={d.id} d={d} stats={stats[d.cid]} onRemoved={onRemoved} />)}</ul>}
    </section>
  )
}
