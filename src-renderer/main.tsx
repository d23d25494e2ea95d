import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { I18nextProvider } from 'react-i18next'
import { App } from './App.js'
import { getBridge } from './bridge/index.js'
import { setupI18n } from './i18n/index.js'
import './styles.css'

const connectionListeners = new Set<(up: boolean) => void>()
const bridge = getBridge(up => { for (const l of connectionListeners) l(up) })
const i18n = setupI18n()
document.documentElement.lang = i18n.language

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <I18nextProvider i18n={i18n}>
      <App bridge={bridge} connection={l => { connectionListeners.add(l) }} />
    </I18nextProvider>
  </StrictMode>
)
