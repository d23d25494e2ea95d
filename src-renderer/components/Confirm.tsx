import { useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'

/** Before a destructive action: what will happen to the files, in words, with the way back. */
export function Confirm ({ text, yes, onYes, onNo }: { text: string, yes: string, onYes: () => void, onNo: () => void }): React.JSX.Element {
  const { t } = useTranslation()
  const no = useRef<HTMLButtonElement>(null)
  // The safe choice takes the focus, so Enter on a reflex does not delete anything.
  useEffect(() => { no.current?.focus() }, [])
  return (
    <div className="confirm" role="alertdialog" aria-label={text} onKeyDown={e => { if (e.key === 'Escape') onNo() }}>
      <p>{text}</p>
      <div className="row">
        <button type="button" className="danger" onClick={onYes}>{yes}</button>
        <button type="button" ref={no} className="secondary" onClick={onNo}>{t('confirm.keep')}</button>
      </div>
    </div>
  )
}
