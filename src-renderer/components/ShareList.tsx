import QRCode from 'qrcode'
import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { ShareInfo, ShareStats } from '../../shared/api.js'
import { formatBytes } from '../../shared/format.js'
import { useBridge } from '../state/bridge-context.js'
import { useCopied } from '../state/use-copied.js'
import { toUiError, type UiError } from '../state/ui-error.js'
import { useFocusAfterRemoval } from '../state/use-focus-after-removal.js'
import { AllowListEditor } from './AllowListEditor.js'
import { Confirm } from './Confirm.js'
import { ErrorNote } from './ErrorNote.js'
import { UploadLine } from './UploadLine.js'

const NONE: ReadonlySet<string> = new Set()

function QrCode ({ text, label }: { text: string, label: string }): React.JSX.Element | null {
  const [src, setSrc] = useState<string | null>(null)
  useEffect(() => {
    let live = true
    // Long links (many peer addresses) still fit: QR version 40 holds ~2900 bytes at level L.
    QRCode.toDataURL(text, { errorCorrectionLevel: 'L', margin: 1, width: 160 })
      .then(url => { if (live) setSrc(url) }, () => { if (live) setSrc(null) })
    return () => { live = false }
  }, [text])
  return src == null ? null : <img className="qr" src={src} alt={label} width={160} height={160} />
}

function ShareRow ({ share, stats, onRemoved }: { share: ShareInfo, stats?: ShareStats, onRemoved: (cid: string) => void }): React.JSX.Element {
  const { t } = useTranslation()
  const bridge = useBridge()
  const [copied, copy] = useCopied()
  const [error, setError] = useState<UiError | null>(null)
  const [resharing, setResharing] = useState(false)
  const [asking, setAsking] = useState(false)
  const [editing, setEditing] = useState(false)
  const changed = share.changed
  const item = { name: share.name }
  const fail = (err: unknown): void => { setError(toUiError(err)) }
  const reshare = (): void => {
    setResharing(true)
    bridge.reshare({ cid: share.cid }).then(() => { setError(null) }, fail).finally(() => { setResharing(false) })
  }
  const access = async (change: { secret: 'rotate' | 'none', allow?: string[] }): Promise<void> => {
    try {
      await bridge.setShareAccess({ cid: share.cid, ...change })
      setError(null)
    } catch (err) { fail(err); throw err }
  }
  const stop = (): void => { setAsking(false); bridge.removeShare({ cid: share.cid }).then(() => { onRemoved(share.cid) }, fail) }
  return (
    <li className="card share" aria-label={share.name} data-key={share.cid}>
      <div className="share-main">
        <h3 className="name">{share.name}</h3>
        {changed != null && <span className="badge" data-state="failed">{t('shares.changed')}</span>}
        <p className="muted">{t('shares.summary', { size: formatBytes(share.size), count: share.files })}</p>
        {share.uploadedCopy && <p className="muted small copy-note">{t('shares.copyNote')}</p>}
        <UploadLine stats={stats} sent={share.sent} servedTo={share.servedTo} />
        {changed != null && (
          <div className="row">
            <p role="status" className="error" title={changed.reason}>{t('shares.changedDetail', { file: changed.file, what: t(`shares.changedKind.${changed.kind}`) })}</p>
            <button type="button" disabled={resharing} onClick={reshare}>{t('shares.reshare')}</button>
          </div>
        )}
        <p className={share.access === 'public' ? 'muted' : 'private'}>{share.access === 'secret' ? t('shares.secret') : share.access === 'allow-list' ? t('shares.allowList', { count: share.allow.length }) : t('shares.public')}</p>
        <div className="row">
          <input className="link" readOnly value={share.link} aria-label={t('shares.linkItem', item)} onFocus={e => { e.target.select() }} />
          <button type="button" aria-label={copied ? t('shares.copied') : t('shares.copyItem', item)} onClick={() => { copy(share.link).catch(fail) }}>{copied ? t('shares.copied') : t('shares.copy')}</button>
          <button type="button" className="secondary" aria-label={t('shares.stopItem', item)} onClick={() => { setAsking(true) }}>{t('shares.stop')}</button>
        </div>
        {asking && <Confirm text={t(share.uploadedCopy ? 'confirm.stopShareUpload' : 'confirm.stopShare', item)} yes={t('shares.stop')} onYes={stop} onNo={() => { setAsking(false) }} />}
        <div className="row">
          {share.access === 'public'
            ? <button type="button" className="secondary" onClick={() => { void access({ secret: 'rotate' }).catch(() => {}) }}>{t('shares.makePrivate')}</button>
            : <button type="button" className="secondary" onClick={() => { void access({ secret: 'none', allow: [] }).catch(() => {}) }}>{t('shares.makePublic')}</button>}
          {share.access === 'secret' && <button type="button" className="secondary" onClick={() => { void access({ secret: 'rotate' }).catch(() => {}) }}>{t('shares.rotate')}</button>}
          <button type="button" className="secondary" aria-expanded={editing} onClick={() => { setEditing(!editing) }}>{t('shares.allowEdit')}</button>
        </div>
        {editing && <AllowListEditor allow={share.allow} onSave={async allow => { await access({ secret: 'none', allow }); setEditing(false) }} />}
        {error != null && <ErrorNote error={error} />}
      </div>
      <QrCode text={share.link} label={t('shares.qr', item)} />
    </li>
  )
}

/**
 * What I offered. Downloads I seed are listed under Downloads, as a state of
 * the download, so `hidden` holds their CIDs and they are not shown twice.
 */
export function ShareList ({ shares, stats = {}, hidden = NONE }: { shares: ShareInfo[], stats?: Record<string, ShareStats>, hidden?: ReadonlySet<string> }): React.JSX.Element {
  const { t } = useTranslation()
  const mine = shares.filter(s => !hidden.has(s.cid)).sort((a, b) => b.createdAt - a.createdAt)
  const { list, heading, onRemoved } = useFocusAfterRemoval(mine.map(s => s.cid))
  return (
    <section aria-labelledby="shares-title">
      <h2 id="shares-title" ref={heading} tabIndex={-1}>{t('shares.title')}</h2>
      {mine.length === 0
        ? <p className="empty">{t('shares.empty')}</p>
        : <ul className="list" ref={list}>{mine.map(s => <ShareRow key={s.cid} share={s} stats={stats[s.cid]} onRemoved={onRemoved} />)}</ul>}
    </section>
  )
}
