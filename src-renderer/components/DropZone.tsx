import { useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { DroppedFile } from '../../shared/api.js'
import { useBridge } from '../state/bridge-context.js'
import type { HashingJob } from '../state/store.js'
import { toUiError, type UiError } from '../state/ui-error.js'
import { collectDrop, fromInput } from './collect-drop.js'
import { ErrorNote } from './ErrorNote.js'

function percent (bytes: number, total: number): number {
  return total === 0 ? 100 : Math.floor(bytes * 100 / total)
}

/** Is something being dragged that holds files (not a text selection or a link)? */
function carriesFiles (e: DragEvent): boolean {
  return Array.from(e.dataTransfer?.types ?? []).includes('Files')
}

/**
 * Where files become shares: dropped anywhere on the window (a full-window
 * overlay says so while dragging), or picked with the buttons (the keyboard
 * way). In a browser the files are uploaded to Swarmdrop as a copy first:
 * the zone says so, shows the upload, and the upload can be cancelled.
 */
export function DropZone ({ hashing, disabled = false, compact = false }: { hashing: HashingJob[], disabled?: boolean, compact?: boolean }): React.JSX.Element {
  const { t } = useTranslation()
  const bridge = useBridge()
  const [over, setOver] = useState(false)
  const [upload, setUpload] = useState<{ name: string, sent: number, total: number, abort: AbortController } | null>(null)
  const [error, setError] = useState<UiError | null>(null)
  // Shares whose hashing this window cancelled: their ABORTED failure is what was asked for, not an error to show.
  const cancelled = useRef(new Set<string>())
  const filesInput = useRef<HTMLInputElement>(null)
  const folderInput = useRef<HTMLInputElement>(null)
  const browser = bridge.shell === 'browser'

  const share = async (files: DroppedFile[]): Promise<void> => {
    if (files.length === 0) return
    setError(null)
    const name = files[0]!.relativePath.split('/')[0]!
    const abort = new AbortController()
    setUpload({ name, sent: 0, total: files.reduce((n, f) => n + f.file.size, 0), abort })
    try {
      await bridge.shareFiles(files, (sent, total) => { setUpload(sent < total ? { name, sent, total, abort } : null) }, abort.signal)
    } catch (err) {
      const e = toUiError(err)
      if (!abort.signal.aborted && !(e.code === 'ABORTED' && cancelled.current.delete(name))) setError(e)
    } finally {
      setUpload(null)
    }
  }

  // The whole window takes drops; dragenter/leave fire for every child, so a depth count says when the drag really left.
  const shareRef = useRef(share)
  shareRef.current = share
  useEffect(() => {
    if (disabled) return
    let depth = 0
    const enter = (e: DragEvent): void => { if (!carriesFiles(e)) return; e.preventDefault(); depth++; setOver(true) }
    const leave = (e: DragEvent): void => { if (!carriesFiles(e)) return; depth = Math.max(0, depth - 1); if (depth === 0) setOver(false) }
    const overFn = (e: DragEvent): void => { if (!carriesFiles(e)) return; e.preventDefault(); if (e.dataTransfer != null) e.dataTransfer.dropEffect = 'copy' }
    const drop = (e: DragEvent): void => {
      if (!carriesFiles(e) || e.dataTransfer == null) return
      e.preventDefault()
      depth = 0
      setOver(false)
      void collectDrop(e.dataTransfer, browser).then(async files => { await shareRef.current(files) }, (err: unknown) => { setError(toUiError(err)) })
    }
    window.addEventListener('dragenter', enter)
    window.addEventListener('dragleave', leave)
    window.addEventListener('dragover', overFn)
    window.addEventListener('drop', drop)
    return () => {
      window.removeEventListener('dragenter', enter)
      window.removeEventListener('dragleave', leave)
      window.removeEventListener('dragover', overFn)
      window.removeEventListener('drop', drop)
    }
  }, [browser, disabled])

  return (
    <section role="region" aria-label={t('drop.region')} className={`dropzone${over ? ' over' : ''}${compact ? ' compact' : ''}`}>
      {over && <div className="drop-overlay" aria-hidden="true"><p>{t('drop.overlay')}</p></div>}
      <p className="dropzone-title">{t('drop.title')}</p>
      <p className="muted drop-hint">{t('drop.hint')}</p>
      {browser && <p className="muted small">{t('drop.copyHint')}</p>}
      <div className="row">
        <button type="button" onClick={() => filesInput.current?.click()}>{t('drop.chooseFiles')}</button>
        <button type="button" onClick={() => folderInput.current?.click()}>{t('drop.chooseFolder')}</button>
      </div>
      <input ref={filesInput} type="file" multiple hidden data-testid="file-input" onChange={e => { if (e.target.files != null) void share(fromInput(e.target.files)); e.target.value = '' }} />
      <input ref={folderInput} type="file" hidden {...{ webkitdirectory: '' }} onChange={e => { if (e.target.files != null) void share(fromInput(e.target.files)); e.target.value = '' }} />
      {upload != null && (
        <div className="job">
          <span>{t('drop.uploading', { name: upload.name, percent: percent(upload.sent, upload.total) })}</span>
          <progress max={upload.total || 1} value={upload.sent} aria-label={t('drop.uploading', { name: upload.name, percent: percent(upload.sent, upload.total) })} />
          {browser && <button type="button" className="secondary" onClick={() => { upload.abort.abort() }}>{t('drop.cancelUpload')}</button>}
        </div>
      )}
      {hashing.map(h => (
        <div className="job" key={h.job}>
          <span>{t('drop.hashing', { name: h.name, percent: percent(h.bytes, h.total) })}</span>
          <progress max={h.total} value={h.bytes} aria-label={t('drop.hashing', { name: h.name, percent: percent(h.bytes, h.total) })} />
          <button type="button" className="secondary" aria-label={t('drop.cancelHashingItem', { name: h.name })} onClick={() => { cancelled.current.add(h.name); bridge.cancelHashing({ job: h.job }).catch((err: unknown) => { setError(toUiError(err)) }) }}>{t('drop.cancelHashing')}</button>
        </div>
      ))}
      {error != null && <ErrorNote error={error} lead={t('drop.failed')} />}
    </section>
  )
}
