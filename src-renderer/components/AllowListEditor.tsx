import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { PEER_ID_PATTERN } from '../../shared/api.js'

/**
 * Who may download a private share, by peer ID, one per line. Each line is
 * checked here, so a typo is named at the field instead of failing the save.
 */
export function AllowListEditor ({ allow, onSave }: { allow: string[], onSave: (allow: string[]) => Promise<void> }): React.JSX.Element {
  const { t } = useTranslation()
  const [text, setText] = useState(allow.join('\n'))
  const [bad, setBad] = useState<string | null>(null)
  const save = (): void => {
    const lines = text.split(/[\s,]+/).map(x => x.trim()).filter(Boolean)
    const wrong = lines.find(x => !isPeerId(x))
    if (wrong != null) { setBad(wrong); return }
    setBad(null)
    void onSave([...new Set(lines)]).catch(() => {})
  }
  return (
    <div className="allow-editor">
      <label>{t('shares.allowLabel')}
        <textarea rows={3} value={text} spellCheck={false} aria-invalid={bad != null} aria-describedby={bad != null ? 'allow-error' : undefined} placeholder="12D3KooW…" onChange={e => { setText(e.target.value); setBad(null) }} />
      </label>
      {bad != null && <p id="allow-error" role="alert" className="error">{t('shares.allowInvalid', { id: bad })}</p>}
      <button type="button" onClick={save}>{t('shares.allowSave')}</button>
    </div>
  )
}

function isPeerId (text: string): boolean {
  return PEER_ID_PATTERN.test(text)
}
