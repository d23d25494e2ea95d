import { useRef, useState, type DragEvent } from 'react'
import { useTranslation } from 'react-i18next'
import type { DroppedFile } from '../../shared/api.js'
import { errorText } from '../../shared/errors.js'
import { useBridge } from '../state/bridge-context.js'
import type { HashingJob } from '../state/store.js'
import { collectDrop, fromInput } from './collect-drop.js'

function percent (bytes: number, total: number): number {
  return total === 0 ? 100 : Math.floor(bytes * 100 / total)
}

/** Where files become shares: drop them, or pick them with the buttons (the keyboard way). */
export function DropZone ({ hashing }: { hashing: HashingJob[] }): React.JSX.Element {
  const { t } = useTranslation()
  const bridge = useBridge()
  const [over, setOver] = useState(false)
  const [upload, setUpload] = useState<{ name: string, sent: number, total: number } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const filesInput = useRef<HTMLInputElement>(null)
  const folderInput = useRef<HTMLInputElement>(null)

  const share = async (files: DroppedFile[]): Promise<void> => {
    if (files.length === 0) return
    setError(null)
    const name = files[0]!.relativePath.split('/')[0]!
    try {
      await bridge.shareFiles(files, (sent, total) => { setUpload(sent < total ? { name, sent, total } : null) })
    } catch (err) {
      setError(errorText(err))
    } finally {
      setUpload(null)
    }
  }

  const onDrop = (e: DragEvent): void => {
    e.preventDefault()
    setOver(false)
    void collectDrop(e.dataTransfer, bridge.shell === 'browser').then(share, err => { setError(errorText(err)) })
  }

  return (
    <section
      role="region"
      aria-label={t('drop.region')}
      className={`dropzone${over ? ' over' : ''}`}
      onDragOver={e => { e.preventDefault(); e.dataTransfer.dropEffect = 'copy'; setOver(true) }}
      onDragLeave={() => { setOver(false) }}
      onDrop={onDrop}
    >
      <p className="dropzone-title">{t('drop.title')}</p>
      <p className="muted">{t('drop.hint')}</p>
      <div className="row">
        <button type="button" onClick={() => filesInput.current?.click()}>{t('drop.chooseFiles')}</button>
        <button type="button" onClick={() => folderInput.current?.click()}>{t('drop.chooseFolder')}</button>
      </div>
      <input ref={filesInput} type="file" multiple hidden data-testid="file-input" onChange={e => { if (e.target.files != null) void share(fromInput(e.target.files)); e.target.value = '' }} />
      <input ref={folderInput} type="file" hidden {...{ webkitdirectory: '' }} onChange={e => { if (e.target.files != null) void share(fromInput(e.target.files)); e.target.value = '' }} />
      {upload != null && (
        <div className="job">
          <span>{t('drop.uploading', { name: upload.name, percent: percent(upload.sent, upload.total) })}</span>
          <progress max={upload.total} value={upload.sent} aria-label={t('drop.uploading', { name: upload.name, percent: percent(upload.sent, upload.total) })} />
        </div>
      )}
      {hashing.map(h => (
        <div className="job" key={h.job}>
          <span>{t('drop.hashing', { name: h.name, percent: percent(h.bytes, h.total) })}</span>
          <progress max={h.total} value={h.bytes} aria-label={t('drop.hashing', { name: h.name, percent: percent(h.bytes, h.total) })} />
        </div>
      ))}
      {error != null && <p role="alert" className="error">{t('drop.failed', { message: error })}</p>}
    </section>
  )
}
