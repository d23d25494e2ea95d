import { useEffect, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import type { Settings } from '../../shared/api.js'
import { errorText } from '../../shared/errors.js'
import { useBridge } from '../state/bridge-context.js'
import { shortId } from '../state/format.js'

export function SettingsView ({ settings, onSaved }: { settings: Settings, onSaved: (s: Settings) => void }): React.JSX.Element {
  const { t } = useTranslation()
  const bridge = useBridge()
  const [draft, setDraft] = useState(settings)
  const [note, setNote] = useState<{ ok: boolean, text: string } | null>(null)
  const [bans, setBans] = useState<Array<{ peerId: string, reason: string, until: number }>>([])

  useEffect(() => { setDraft(settings) }, [settings])
  useEffect(() => { bridge.listBans({}).then(setBans, () => {}) }, [bridge])

  const save = async (e: FormEvent): Promise<void> => {
    e.preventDefault()
    try {
      const saved = await bridge.setSettings(draft)
      onSaved(saved)
      setNote({ ok: true, text: t('settings.saved') })
    } catch (err) {
      setNote({ ok: false, text: errorText(err) })
    }
  }
  const num = (v: string): number => Math.max(0, Math.floor(Number(v) || 0))

  return (
    <section aria-labelledby="settings-title">
      <h2 id="settings-title">{t('settings.title')}</h2>
      <form className="settings" onSubmit={e => { void save(e) }}>
        <label>{t('settings.downloadDir')}<input value={draft.downloadDir} onChange={e => { setDraft({ ...draft, downloadDir: e.target.value }) }} /></label>
        <label>{t('settings.listenPort')}<input type="number" min={0} max={65535} value={draft.listenPort} onChange={e => { setDraft({ ...draft, listenPort: Math.min(65535, num(e.target.value)) }) }} /></label>
        <label>{t('settings.upLimit')}<input type="number" min={0} value={draft.upLimit} onChange={e => { setDraft({ ...draft, upLimit: num(e.target.value) }) }} /></label>
        <label>{t('settings.downLimit')}<input type="number" min={0} value={draft.downLimit} onChange={e => { setDraft({ ...draft, downLimit: num(e.target.value) }) }} /></label>
        <label className="check"><input type="checkbox" checked={draft.publicDht} onChange={e => { setDraft({ ...draft, publicDht: e.target.checked }) }} />{t('settings.publicDht')}</label>
        <label>{t('settings.hubAddr')}<input value={draft.hubAddr} placeholder="/ip4/203.0.113.7/tcp/4001/p2p/12D3KooW…" onChange={e => { setDraft({ ...draft, hubAddr: e.target.value }) }} spellCheck={false} /></label>
        <div className="row">
          <button type="submit">{t('settings.save')}</button>
          {note != null && <span role={note.ok ? 'status' : 'alert'} className={note.ok ? 'ok' : 'error'}>{note.text}</span>}
        </div>
      </form>
      <h3>{t('settings.bans')}</h3>
      {bans.length === 0
        ? <p className="empty">{t('settings.noBans')}</p>
        : <ul className="list" aria-label={t('settings.bans')}>{bans.map(b => (
          <li key={b.peerId} aria-label={b.peerId}>
            <code title={b.peerId}>{shortId(b.peerId)}</code> — {b.reason} ({new Date(b.until).toLocaleString()})
            {' '}<button type="button" className="secondary" onClick={() => { bridge.unban({ peerId: b.peerId }).then(() => { setBans(bans.filter(x => x.peerId !== b.peerId)) }, () => {}) }}>{t('settings.unban')}</button>
          </li>))}</ul>}
    </section>
  )
}
