import { useTranslation } from 'react-i18next'
import type { ShareStats } from '../../shared/api.js'
import { formatBytes, formatSpeed } from '../../shared/format.js'
import { shortId } from '../state/format.js'

/** What the sharer is told of one share: who is downloading it now, how fast, and how much went out since start. */
export function UploadLine ({ stats, sent, servedTo }: { stats?: ShareStats, sent: number, servedTo: string[] }): React.JSX.Element {
  const { t } = useTranslation()
  const bytes = stats?.sent ?? sent
  const to = stats?.servedTo ?? servedTo
  const now = stats?.peers ?? []
  return (
    <p className="muted small upload-line" data-sent={bytes}>
      {bytes === 0 && now.length === 0
        ? t('shares.sentNone')
        : <>
          {t('shares.sent', { size: formatBytes(bytes), count: to.length })}
          {now.length > 0 && <> · <span className="ok">{t('shares.downloadingNow', { count: now.length, speed: formatSpeed(stats?.speed ?? 0) })}</span></>}
          {to.length > 0 && <> · <span title={to.join('\n')}>{t('shares.servedTo', { peers: to.slice(0, 3).map(shortId).join(', ') + (to.length > 3 ? ' …' : '') })}</span></>}
        </>}
    </p>
  )
}
