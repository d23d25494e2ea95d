import { useTranslation } from 'react-i18next'
import type { FeedItem } from '../../shared/feed.js'
import { formatBytes } from '../../shared/format.js'
import { formatTime, shortId } from '../state/format.js'

/**
 * The swarms' news, newest first, naming the files: a presence carries no
 * name when the sender left it out, so `names` (my shares and downloads by
 * CID) fills it in. A member that was downloading and now seeds "finished".
 */
export function FeedView ({ feed, names = {} }: { feed: FeedItem[], names?: Record<string, string> }): React.JSX.Element {
  const { t, i18n } = useTranslation()
  const seen = new Map<string, boolean>()
  const lines = feed.map(item => {
    const m = item.message
    const from = shortId(item.from)
    if (m.type === 'share') return t('feed.share', { from, name: m.name, size: formatBytes(m.size) })
    const name = (m.type === 'presence' ? m.name : undefined) ?? names[item.cid] ?? t('feed.thisShare')
    if (m.type === 'presence') {
      const key = `${item.cid} ${item.from}`
      const wasLeeching = seen.get(key) === false
      seen.set(key, m.seeding)
      if (m.seeding) return wasLeeching ? t('feed.finished', { from, name }) : t('feed.presenceSeed', { from, name })
      return t('feed.presence', { from, have: m.have, total: m.total })
    }
    return t('feed.progress', { from, percent: m.total === 0 ? 100 : Math.floor(m.bytes * 100 / m.total) })
  })
  return (
    <section aria-labelledby="feed-title">
      <h2 id="feed-title">{t('feed.title')}</h2>
      {feed.length === 0
        ? <p className="empty">{t('feed.empty')}</p>
        : (
          <ol className="feed" aria-live="polite">
            {feed.map((item, i) => (
              <li key={`${item.at}-${item.from}-${i}`} title={item.from}>
                <time className="muted small" dateTime={new Date(item.at).toISOString()}>{formatTime(item.at, i18n.language)}</time>{' '}
                <span>{lines[i]}</span>
              </li>
            )).reverse()}
          </ol>
          )}
    </section>
  )
}
