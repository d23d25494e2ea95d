import { useTranslation } from 'react-i18next'
import { TRANSFER_PATHS, type TransferPath } from '../../shared/transfer.js'
import { formatBytes } from '../../shared/format.js'

const ORDER: readonly TransferPath[] = TRANSFER_PATHS

/** One route as a tiny diagram: you — peer, you — relay — peer, or you — hub. */
function Diagram ({ path }: { path: TransferPath }): React.JSX.Element {
  const nodes = path === 'direct' || path === 'punched' ? ['you', 'peer'] : path === 'relay' ? ['you', 'relay', 'peer'] : ['you', 'hub']
  const step = 52
  const width = (nodes.length - 1) * step + 24
  return (
    <svg className={`route-diagram ${path}`} width={width} height={22} viewBox={`0 0 ${width} 22`} aria-hidden="true">
      <line x1={12} y1={11} x2={width - 12} y2={11} className="route-line" />
      {nodes.map((n, i) => (
        <g key={n} transform={`translate(${12 + i * step} 11)`}>
          <circle r={n === 'relay' || n === 'hub' ? 7 : 6} className={`route-node ${n}`} />
        </g>
      ))}
    </svg>
  )
}

/** Which routes a download's bytes took, and how many bytes each carried. */
export function RouteDiagram ({ paths }: { paths: Record<TransferPath, number> }): React.JSX.Element | null {
  const { t } = useTranslation()
  const used = ORDER.filter(p => (paths[p] ?? 0) > 0)
  if (used.length === 0) return null
  return (
    <ul className="routes" aria-label={t('downloads.routes')}>
      {used.map(p => (
        <li key={p} className="route">
          <Diagram path={p} />
          <span>{t(`downloads.route.${p}`)}</span>
          <span className="muted">{formatBytes(paths[p])}</span>
        </li>
      ))}
    </ul>
  )
}
