import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { I18nextProvider } from 'react-i18next'
import { App } from './App.js'
import { getBridge } from './bridge/index.js'
import type { Connection } from './bridge/ws-bridge.js'
import { setupI18n } from './i18n/index.js'
import './styles.css'

const connectionListeners = new Set<(state: Connection) => void>()
// A state that came before App listened (a page opened without its token) is replayed to it.
let last: Connection | null = null
const bridge = getBridge(state => { last = state; for (const l of connectionListeners) l(state) })
const i18n = setupI18n()
document.documentElement.lang = i18n.language

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <I18nextProvider i18n={i18n}>
      <App bridge={bridge} connection={l => { connectionListeners.add(l); if (last != null) l(last) }} />
    </I18nextProvider>
  </StrictMode>
)
