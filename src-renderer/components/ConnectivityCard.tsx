import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { hostPort, reachableAt, type Connectivity } from '../../shared/connectivity.js'
import { useBridge } from '../state/bridge-context.js'
import { toUiError, type UiError } from '../state/ui-error.js'
import { ErrorNote } from './ErrorNote.js'

/** The verdict in words: how the internet reaches this computer, and what to do about it. */
export function reachSentence (c: Connectivity, t: ReturnType<typeof useTranslation>['t']): { text: string, hint: string | null } {
  const at = reachableAt(c) ?? ''
  const port = hostPort(c.addrs.find(a => a.source === 'listen')?.addr)?.split(':').pop() ?? ''
  switch (c.reachability) {
    case 'public': return { text: t(c.hub != null ? 'reach.publicConfirmed' : 'reach.public', { addr: at }), hint: null }
    case 'mapped': return { text: t(c.hub != null ? 'reach.mapped' : 'reach.mappedUnconfirmed', { addr: at }), hint: null }
    case 'relayed': return { text: t('reach.relayed'), hint: t('reach.relayedHint', { port }) }
    case 'checking': return { text: t('reach.checking'), hint: null }
    case 'local': return { text: t('reach.local'), hint: t('reach.localHint') }
  }
}

/** The Peers tab's first card: reachability, each address and how it was checked, the mapping, the relay, hole punching. */
export function ConnectivityCard ({ connectivity: c }: { connectivity: Connectivity | null }): React.JSX.Element | null {
  const { t } = useTranslation()
  const bridge = useBridge()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<UiError | null>(null)
  if (c == null) return null
  const { text, hint } = reachSentence(c, t)
  const recheck = (): void => {
    setBusy(true)
    setError(null)
    bridge.connectivity({ recheck: true }).catch((err: unknown) => { setError(toUiError(err)) }).finally(() => { setBusy(false) })
  }
  return (
    <section aria-labelledby="reach-title" className={`card reach ${c.reachability}`}>
      <h2 id="reach-title">{t('reach.title')}</h2>
      <p className="reach-verdict" data-reach={c.reachability}>{text}</p>
      {hint != null && <p className="muted small">{hint}</p>}
      <p className="small">
        {t('reach.mapping')}: <strong>{t(`reach.mappingState.${c.mapping.state}`)}</strong>
        {c.mapping.external != null && <> · <code>{hostPort(c.mapping.external) ?? c.mapping.external}</code></>}
        {c.mapping.reason != null && <span className="muted"> ({c.mapping.reason})</span>}
        {' · '}{t('reach.hub')}: {c.hub == null ? t('reach.noHub') : <>{c.hub.reservation != null ? t('reach.relaySlot') : t('reach.noRelaySlot')}</>}
        {' · '}{t('reach.holePunch', { attempts: c.holePunch.attempts, successes: c.holePunch.successes })}
      </p>
      <details>
        <summary>{t('reach.details')}</summary>
        <ul className="reach-addrs">
          {c.addrs.map(a => (
            <li key={a.addr}>
              <span className={`badge ${a.confirmed === true ? 'direct' : a.confirmed === false ? 'failed' : ''}`}>
                {a.confirmed === true ? t('reach.confirmed') : a.confirmed === false ? t('reach.unreachable') : t('reach.unchecked')}
              </span>{' '}
              <span className="muted small">{t(`reach.scope.${a.scope}`)}</span>{' '}
              <code>{a.addr}</code>
              {a.reason != null && <div className="muted small">{a.reason}</div>}
            </li>
          ))}
        </ul>
      </details>
      <button type="button" onClick={recheck} disabled={busy}>{t('reach.recheck')}</button>
      {error != null && <ErrorNote error={error} />}
    </section>
  )
}
