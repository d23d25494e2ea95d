import { useTranslation } from 'react-i18next'
import type { PeerInfo } from '../../shared/api.js'
import { formatBytes } from '../../shared/format.js'

export function PeersView ({ peers }: { peers: PeerInfo[] }): React.JSX.Element {
  const { t } = useTranslation()
  return (
    <section aria-labelledby="peers-title">
      <h2 id="peers-title">{t('peers.title')}</h2>
      {peers.length === 0
        ? <p className="empty">{t('peers.empty')}</p>
        : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('peers.id')}</th>
                  <th scope="col">{t('peers.addrs')}</th>
                  <th scope="col">{t('peers.route')}</th>
                  <th scope="col">{t('peers.latency')}</th>
                  <th scope="col">{t('peers.received')}</th>
                  <th scope="col">{t('peers.sent')}</th>
                </tr>
              </thead>
              <tbody>
                {[...peers].sort((a, b) => a.since - b.since).map(p => (
                  <tr key={p.peerId}>
                    <td><code className="peer-id" title={p.peerId}>{p.peerId}</code></td>
                    <td>{p.addrs.map(a => <div key={a}><code>{a}</code></div>)}</td>
                    <td>
                      <span className={`badge ${p.route}`}>{t(`peers.${p.route}`)}</span>
                      <div className="muted small">{p.direction === 'inbound' ? t('peers.inbound') : t('peers.outbound')}</div>
                    </td>
                    <td>{p.latencyMs == null ? '–' : `${Math.round(p.latencyMs)} ms`}</td>
                    <td>{formatBytes(p.bytesIn)}</td>
                    <td>{formatBytes(p.bytesOut)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          )}
    </section>
  )
}
