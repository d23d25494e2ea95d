import { useTranslation } from 'react-i18next'
import { shortId } from '../state/format.js'
import { useCopied } from '../state/use-copied.js'

/**
 * A peer ID or CID shown short ("12D3Ko…2qEVax"): the whole value is a hover
 * (title) or a click (copied to the clipboard, saying so) away.
 */
export function ShortId ({ value }: { value: string }): React.JSX.Element {
  const { t } = useTranslation()
  const [copied, copy] = useCopied()
  return (
    <button type="button" className="link-button short-id" title={value} aria-label={t('ids.copy', { id: value })} onClick={() => { copy(value).catch(() => {}) }}>
      {copied ? t('app.copied') : shortId(value)}
    </button>
  )
}
