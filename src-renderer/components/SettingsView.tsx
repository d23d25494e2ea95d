import { useEffect, useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { Settings } from '../../shared/api.js'
import { parseRate, rateText } from '../../shared/rate.js'
import { useBridge } from '../state/bridge-context.js'
import { formatDateTime } from '../state/format.js'
import { toUiError, type UiError } from '../state/ui-error.js'
import { ErrorNote } from './ErrorNote.js'
import { ShortId } from './ShortId.js'

type TextKey = 'downloadDir' | 'listenPort' | 'upLimit' | 'downLimit' | 'hubAddr'

/** A field's text as the value the API takes, or the key of the message saying what is wrong with it. */
type Parsed = { ok: true, value: Settings[TextKey] } | { ok: false, problem: 'settings.badRate' | 'settings.badPort' | 'settings.badDir' }

const PARSE: Record<TextKey, (text: string) => Parsed> = {
  downloadDir: text => text.trim() === '' ? { ok: false, problem: 'settings.badDir' } : { ok: true, value: text.trim() },
  listenPort: text => {
    const n = Number(text.trim())
    return /^\d+$/.test(text.trim()) && n <= 65535 ? { ok: true, value: n } : { ok: false, problem: 'settings.badPort' }
  },
  upLimit: text => rate(text),
  downLimit: text => rate(text),
  hubAddr: text => ({ ok: true, value: text.trim() })
}

function rate (text: string): Parsed {
  try {
    // An empty box reads as "no limit", the way 0 does.
    return { ok: true, value: text.trim() === '' ? 0 : parseRate(text) }
  } catch {
    return { ok: false, problem: 'settings.badRate' }
  }
}

function shown (key: TextKey, s: Settings): string {
  if (key === 'upLimit' || key === 'downLimit') return rateText(s[key])
  return String(s[key])
}

/**
 * One setting as text: checked as it is typed (the message under the field),
 * saved on Enter or when the focus leaves, and only when its value changed.
 * "Saved" stays only until the next edit.
 */
function SettingField ({ name, settings, onSave, hint }: { name: TextKey, settings: Settings, onSave: (patch: Partial<Settings>) => Promise<void>, hint?: string }): React.JSX.Element {
  const { t } = useTranslation()
  const id = useId()
  const [text, setText] = useState(() => shown(name, settings))
  const [state, setState] = useState<{ kind: 'idle' } | { kind: 'saved' } | { kind: 'failed', error: UiError }>({ kind: 'idle' })
  const [editing, setEditing] = useState(false)
  // A value saved elsewhere (another window, a restart) shows here unless the user is typing.
  useEffect(() => { if (!editing) setText(shown(name, settings)) }, [settings, name, editing])
  const parsed = PARSE[name](text)
  const commit = async (): Promise<void> => {
    // A wrong value stays as typed, with its message, for the user to fix.
    if (!parsed.ok) return
    setEditing(false)
    if (parsed.value === settings[name]) return
    try {
      await onSave({ [name]: parsed.value })
      setState({ kind: 'saved' })
    } catch (err) {
      // What was typed stays, beside the reason it was refused.
      setEditing(true)
      setState({ kind: 'failed', error: toUiError(err) })
    }
  }
  const problem = parsed.ok ? null : parsed.problem
  return (
    <div className="field">
      <label htmlFor={id}>{t(`settings.${name}`)}</label>
      <div className="row">
        <input
          id={id}
          name={name}
          value={text}
          inputMode={name === 'listenPort' ? 'numeric' : undefined}
          spellCheck={false}
          aria-invalid={problem != null || state.kind === 'failed'}
          aria-describedby={`${id}-note`}
          placeholder={name === 'hubAddr' ? '/ip4/203.0.113.7/tcp/4001/p2p/12D3KooW…' : undefined}
          onChange={e => { setText(e.target.value); setEditing(true); setState({ kind: 'idle' }) }}
          onBlur={() => { void commit() }}
          onKeyDown={e => { if (e.key === 'Enter') { e.preventDefault(); void commit() } }}
        />
        {state.kind === 'saved' && <span role="status" className="ok small">{t('settings.saved')}</span>}
      </div>
      <div id={`${id}-note`} className="small">
        {problem != null
          ? <p role="alert" className="error">{t(problem)}</p>
          : state.kind === 'failed' ? <ErrorNote error={state.error} /> : hint != null && <p className="muted">{hint}</p>}
      </div>
    </div>
  )
}

export function SettingsView ({ settings, onSaved }: { settings: Settings, onSaved: (s: Settings) => void }): React.JSX.Element {
  const { t, i18n } = useTranslation()
  const bridge = useBridge()
  const [bans, setBans] = useState<Array<{ peerId: string, reason: string, until: number }>>([])
  const [dhtError, setDhtError] = useState<UiError | null>(null)

  useEffect(() => { bridge.listBans({}).then(setBans, () => {}) }, [bridge])

  // Only the changed field is sent, so two fields saved one after the other never undo each other.
  const save = async (patch: Partial<Settings>): Promise<void> => { onSaved(await bridge.setSettings(patch)) }
  const field = (name: TextKey, hint?: string): React.JSX.Element => <SettingField name={name} settings={settings} onSave={save} hint={hint} />

  return (
    <section aria-labelledby="settings-title">
      <h2 id="settings-title">{t('settings.title')}</h2>
      <div className="settings">
        {field('downloadDir')}
        {field('listenPort')}
        {field('upLimit', t('settings.rateHint'))}
        {field('downLimit', t('settings.rateHint'))}
        <label className="check">
          <input type="checkbox" checked={settings.publicDht} onChange={e => { setDhtError(null); save({ publicDht: e.target.checked }).catch((err: unknown) => { setDhtError(toUiError(err)) }) }} />
          {t('settings.publicDht')}
        </label>
        <label className="check">
          <input type="checkbox" checked={settings.portMapping} onChange={e => { setDhtError(null); save({ portMapping: e.target.checked }).catch((err: unknown) => { setDhtError(toUiError(err)) }) }} />
          {t('settings.portMapping')}
        </label>
        {dhtError != null && <ErrorNote error={dhtError} />}
        {field('hubAddr')}
      </div>
      <h3>{t('settings.bans')}</h3>
      {bans.length === 0
        ? <p className="empty">{t('settings.noBans')}</p>
        : <ul className="list" aria-label={t('settings.bans')}>{bans.map(b => (
          <li key={b.peerId} aria-label={b.peerId}>
            <ShortId value={b.peerId} /> — {b.reason} ({t('settings.banUntil', { time: formatDateTime(b.until, i18n.language) })})
            {' '}<button type="button" className="secondary" onClick={() => { bridge.unban({ peerId: b.peerId }).then(() => { setBans(bans.filter(x => x.peerId !== b.peerId)) }, () => {}) }}>{t('settings.unban')}</button>
          </li>))}</ul>}
    </section>
  )
}
