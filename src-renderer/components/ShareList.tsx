import QRCode from 'qrcode'
import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { ShareInfo } from '../../shared/api.js'
import { errorText } from '../../shared/errors.js'
import { useBridge } from '../state/bridge-context.js'
import { formatBytes } from '../../shared/format.js'

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

function ShareRow ({ share }: { share: ShareInfo }): React.JSX.Element {
  const { t } = useTranslation()
  const bridge = useBridge()
  const [copied, setCopied] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [resharing, setResharing] = useState(false)
  const changed = share.changed
  const reshare = (): void => {
    setResharing(true)
    bridge.reshare({ cid: share.cid }).then(() => { setError(null) }, err => { setError(errorText(err)) }).finally(() => { setResharing(false) })
  }
  const access = (change: { secret: 'rotate' | 'none', allow?: string[] }): void => {
    bridge.setShareAccess({ cid: share.cid, ...change }).then(() => { setError(null) }, err => { setError(errorText(err)) })
  }
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(share.link)
      setCopied(true)
      setTimeout(() => { setCopied(false) }, 1500)
    } catch (err) { setError(errorText(err)) }
  }
  return (
    <li className="card share" aria-label={share.name}>
      <div className="share-main">
        <h3 className="name">{share.name}</h3>
        {changed != null && <span className="badge" data-state="failed">{t('shares.changed')}</span>}
        <p className="muted">{t('shares.summary', { size: formatBytes(share.size), count: share.files })}</p>
        {changed != null && (
          <div className="row">
            <p role="status" className="error" title={changed.reason}>{t('shares.changedDetail', { file: changed.file, what: t(`shares.changedKind.${changed.kind}`) })}</p>
            <button type="button" disabled={resharing} onClick={reshare}>{t('shares.reshare')}</button>
          </div>
        )}
        <p className={share.access === 'public' ? 'muted' : 'private'}>{share.access === 'secret' ? t('shares.secret') : share.access === 'allow-list' ? t('shares.allowList', { count: share.allow.length }) : t('shares.public')}</p>
        <div className="row">
          <input className="link" readOnly value={share.link} aria-label={t('shares.link')} onFocus={e => { e.target.select() }} />
          <button type="button" onClick={() => { void copy() }}>{copied ? t('shares.copied') : t('shares.copy')}</button>
          <button type="button" className="secondary" onClick={() => { bridge.removeShare({ cid: share.cid }).catch(err => { setError(errorText(err)) }) }}>{t('shares.stop')}</button>
        </div>
        <div className="row">
          {share.access === 'public'
            ? <button type="button" className="secondary" onClick={() => { access({ secret: 'rotate' }) }}>{t('shares.makePrivate')}</button>
            : <button type="button" className="secondary" onClick={() => { access({ secret: 'none', allow: [] }) }}>{t('shares.makePublic')}</button>}
          {share.access === 'secret' && <button type="button" className="secondary" onClick={() => { access({ secret: 'rotate' }) }}>{t('shares.rotate')}</button>}
        </div>
        {error != null && <p role="alert" className="error">{error}</p>}
      </div>
      <QrCode text={share.link} label={t('shares.qr', { name: share.name })} />
    </li>
  )
}

export function ShareList ({ shares }: { shares: ShareInfo[] }): React.JSX.Element {
  const { t } = useTranslation()
  return (
    <section aria-labelledby="shares-title">
      <h2 id="shares-title">{t('shares.title')}</h2>
      {shares.length === 0
        ? <p className="empty">{t('shares.empty')}</p>
        : <ul className="list">{[...shares].sort((a, b) => b.createdAt - a.createdAt).map(s => <ShareRow key={s.cid} share={s} />)}</ul>}
    </section>
  )
}
