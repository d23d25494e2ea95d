import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { DamagedFile } from '../../shared/api.js'

/**
 * State files found damaged since start (the ban list, settings, a download's
 * piece map...): each was moved aside, never silently replaced, and the user
 * is told which, where the damaged copy is, and why, until they dismiss it.
 */
export function DamagedFilesNotice ({ files }: { files: DamagedFile[] }): React.JSX.Element | null {
  const { t } = useTranslation()
  const [seen, setSeen] = useState(0)
  const fresh = files.slice(seen)
  if (fresh.length === 0) return null
  return (
    <div role="alert" className="banner">
      <p>{t('damaged.lead', { count: fresh.length })}</p>
      <ul>
        {fresh.map(d => (
          <li key={`${d.file}-${d.at}`} title={d.reason}>
            {d.movedTo === d.file ? t('damaged.kept', { file: d.file, reason: d.reason }) : t('damaged.moved', { file: d.file, movedTo: d.movedTo, reason: d.reason })}
          </li>
        ))}
      </ul>
      <button type="button" onClick={() => { setSeen(files.length) }}>{t('damaged.dismiss')}</button>
    </div>
  )
}
