import { useTranslation } from 'react-i18next'
import type { FeedItem } from '../../shared/feed.js'
import { formatBytes } from '../../shared/format.js'
import { shortId } from '../state/format.js'

export function FeedView ({ feed }: { feed: FeedItem[] }): React.JSX.Element {
  const { t } = useTranslation()
  const text = (item: FeedItem): string => {
    const m = item.message
    const from = shortId(item.from)
    if (m.type === 'share') return t('feed.share', { from, name: m.name, size: formatBytes(m.size) })
    if (m.type === 'presence') return m.seeding ? t('feed.presenceSeed', { from }) : t('feed.presence', { from, have: m.have, total: m.total })
    return t('feed.progress', { from, percent: m.total === 0 ? 100 : Math.floor(m.bytes * 100 / m.total) })
  }
  return (
    <section aria-labelledby="feed-title">
      <h2 id="feed-title">{t('feed.title')}</h2>
      {feed.length === 0
        ? <p className="empty">{t('feed.empty')}</p>
        : (
          <ol className="feed" aria-live="polite">
            {[...feed].reverse().map((item, i) => (
              <li key={`${item.at}-${item.from}-${i}`}>
                <time className="muted small" dateTime={new Date(item.at).toISOString()}>{new Date(item.at).toLocaleTimeString()}</time>{' '}
                <span>{text(item)}</span>
              </li>
            ))}
          </ol>
          )}
    </section>
  )
}
