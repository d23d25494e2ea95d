import { useEffect, useRef, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import type { CatalogEntry } from '../../shared/catalog.js'
import { TimeoutError } from '../../shared/errors.js'
import { formatBytes } from '../../shared/format.js'
import { useBridge } from '../state/bridge-context.js'
import { classifyJoinInput, shortId } from '../state/format.js'
import { toUiError, type UiError } from '../state/ui-error.js'
import { ErrorNote } from './ErrorNote.js'

const NONE: ReadonlySet<string> = new Set()

/** A lookup that has not answered by then is given up, so Go never stays disabled. */
export const LOOKUP_TIMEOUT_MS = 30_000

/**
 * One box for everything someone might paste: a link or content ID starts a
 * download; a peer ID (or multiaddr) opens that peer's catalog. `ownPeerId`
 * is told apart up front (looking yourself up finds nothing); `have` is the
 * content already in Downloads, marked in a catalog.
 */
export function JoinBox ({ ownPeerId, have = NONE }: { ownPeerId?: string, have?: ReadonlySet<string> }): React.JSX.Element {
  const { t } = useTranslation()
  const bridge = useBridge()
  const [text, setText] = useState('')
  const [busy, setBusy] = useState<string | null>(null)
  const [error, setError] = useState<UiError | null>(null)
  const [note, setNote] = useState<string | null>(null)
  const [catalog, setCatalog] = useState<{ peerId: string, entries: CatalogEntry[] } | null>(null)
  const [added, setAdded] = useState<ReadonlySet<string>>(new Set())
  const input = useRef<HTMLInputElement>(null)
  const closeCatalog = (): void => { setCatalog(null); input.current?.focus() }

  useEffect(() => { setAdded(new Set()) }, [catalog])

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault()
    const value = text.trim()
    const kind = classifyJoinInput(value)
    if (kind === 'empty') return
    setError(null)
    setNote(null)
    if (kind === 'peer' && ownPeerId != null && value === ownPeerId) { setCatalog(null); setNote(t('join.self')); return }
    try {
      if (kind === 'link') {
        await bridge.startDownload({ target: value })
        setText('')
        setCatalog(null)
        setNote(t('join.added'))
      } else {
        // A failed lookup must not leave another peer's catalog on screen as if it were the answer.
        setCatalog(null)
        setBusy(t('join.browsing', { peer: shortId(value) }))
        setCatalog(await withTimeout(bridge.browsePeer({ peer: value }), LOOKUP_TIMEOUT_MS))
      }
    } catch (err) {
      setError(toUiError(err))
    } finally {
      setBusy(null)
    }
  }

  const download = async (entry: CatalogEntry, peerId: string): Promise<void> => {
    setError(null)
    try {
      await bridge.startDownload({ target: entry.cid, peers: [peerId] })
      setAdded(new Set([...added, entry.cid]))
    } catch (err) { setError(toUiError(err)) }
  }

  const title = catalog == null ? '' : t('join.catalogTitle', { peer: shortId(catalog.peerId) })
  return (
    <div className="join">
      <form className="row" onSubmit={e => { void submit(e) }}>
        <input
          id="join-input"
          ref={input}
          className="grow"
          aria-label={t('join.label')}
          placeholder={t('join.placeholder')}
          value={text}
          onChange={e => { setText(e.target.value); setNote(null) }}
          autoComplete="off"
          spellCheck={false}
          aria-describedby="join-hint"
        />
        <button type="submit" disabled={busy != null}>{t('join.go')}</button>
      </form>
      <p id="join-hint" className="muted small" role="status">{busy ?? note ?? t('join.hint')}</p>
      {error != null && <ErrorNote error={error} />}
      {catalog != null && (
        <section className="card catalog" aria-label={title} onKeyDown={e => { if (e.key === 'Escape') closeCatalog() }}>
          <div className="row spread">
            <h2 title={catalog.peerId}>{title}</h2>
            <button type="button" className="secondary" onClick={closeCatalog}>{t('join.close')}</button>
          </div>
          {catalog.entries.length === 0
            ? <p className="empty">{t('join.catalogEmpty')}</p>
            : (
              <ul className="list">
                {catalog.entries.map(e => (
                  <li key={e.cid} className="row spread" aria-label={e.name}>
                    <span><span className="name">{e.name}</span> <span className="muted">{formatBytes(e.size)}</span></span>
                    {have.has(e.cid) || added.has(e.cid)
                      ? <span className="badge" data-state="seeding">{added.has(e.cid) && !have.has(e.cid) ? t('join.added') : t('join.have')}</span>
                      : <button type="button" aria-label={t('join.downloadItem', { name: e.name })} onClick={() => { void download(e, catalog.peerId) }}>{t('join.download')}</button>}
                  </li>
                ))}
              </ul>
              )}
        </section>
      )}
    </div>
  )
}

async function withTimeout<T> (p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new TimeoutError(`no answer in ${ms / 1000} s`)) }, ms)
  })
  try { return await Promise.race([p, late]) } finally { clearTimeout(timer) }
}
