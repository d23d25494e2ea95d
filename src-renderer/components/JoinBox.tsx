import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import type { CatalogEntry } from '../../shared/catalog.js'
import { errorText } from '../../shared/errors.js'
import { useBridge } from '../state/bridge-context.js'
import { formatBytes } from '../../shared/format.js'
import { classifyJoinInput, shortId } from '../state/format.js'

/**
 * One box for everything someone might paste: a link or content ID starts a
 * download; a peer ID (or multiaddr) opens that peer's catalog.
 */
export function JoinBox (): React.JSX.Element {
  const { t } = useTranslation()
  const bridge = useBridge()
  const [text, setText] = useState('')
  const [busy, setBusy] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [catalog, setCatalog] = useState<{ peerId: string, entries: CatalogEntry[] } | null>(null)

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault()
    const value = text.trim()
    const kind = classifyJoinInput(value)
    if (kind === 'empty') return
    setError(null)
    try {
      if (kind === 'link') {
        await bridge.startDownload({ target: value })
        setText('')
        setCatalog(null)
      } else {
        setBusy(t('join.browsing', { peer: shortId(value) }))
        setCatalog(await bridge.browsePeer({ peer: value }))
      }
    } catch (err) {
      setError(errorText(err))
    } finally {
      setBusy(null)
    }
  }

  const download = async (entry: CatalogEntry, peerId: string): Promise<void> => {
    setError(null)
    try {
      await bridge.startDownload({ target: entry.cid, peers: [peerId] })
    } catch (err) { setError(errorText(err)) }
  }

  return (
    <div className="join">
      <form className="row" onSubmit={e => { void submit(e) }}>
        <input
          id="join-input"
          className="grow"
          aria-label={t('join.label')}
          placeholder={t('join.placeholder')}
          value={text}
          onChange={e => { setText(e.target.value) }}
          autoComplete="off"
          spellCheck={false}
          aria-describedby="join-hint"
        />
        <button type="submit" disabled={busy != null}>{t('join.go')}</button>
      </form>
      <p id="join-hint" className="muted small">{busy ?? t('join.hint')}</p>
      {error != null && <p role="alert" className="error">{error}</p>}
      {catalog != null && (
        <section className="card catalog" aria-label={t('join.catalogTitle', { peer: shortId(catalog.peerId) })}>
          <div className="row spread">
            <h2>{t('join.catalogTitle', { peer: shortId(catalog.peerId) })}</h2>
            <button type="button" className="secondary" onClick={() => { setCatalog(null) }}>{t('join.close')}</button>
          </div>
          {catalog.entries.length === 0
            ? <p className="empty">{t('join.catalogEmpty')}</p>
            : (
              <ul className="list">
                {catalog.entries.map(e => (
                  <li key={e.cid} className="row spread" aria-label={e.name}>
                    <span><span className="name">{e.name}</span> <span className="muted">{formatBytes(e.size)}</span></span>
                    <button type="button" onClick={() => { void download(e, catalog.peerId) }}>{t('join.download')}</button>
                  </li>
                ))}
              </ul>
              )}
        </section>
      )}
    </div>
  )
}
