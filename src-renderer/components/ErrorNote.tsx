import { useTranslation } from 'react-i18next'
import type { UiError } from '../state/ui-error.js'

/**
 * A failure said for a person: the sentence for its code, in the chosen
 * language, saying what to do here; the engine's own text stays a click away
 * for a bug report, never the headline.
 */
export function ErrorNote ({ error, lead }: { error: UiError, lead?: string }): React.JSX.Element {
  const { t } = useTranslation()
  return (
    <div role="alert" className="error" data-code={error.code}>
      <p>{lead != null && <>{lead} </>}{t(`errors.code.${error.code}`)}</p>
      {error.raw !== '' && (
        <details className="small muted">
          <summary>{t('errors.detail')}</summary>
          <code>{error.raw}</code>
        </details>
      )}
    </div>
  )
}
