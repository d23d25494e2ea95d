import { render, type RenderResult } from '@testing-library/react'
import type { ReactElement } from 'react'
import { I18nextProvider } from 'react-i18next'
import type { SwarmdropBridge } from '../../../shared/api.js'
import { setupI18n } from '../../../src-renderer/i18n/index.js'
import { BridgeContext } from '../../../src-renderer/state/bridge-context.js'

export function renderWith (ui: ReactElement, bridge: SwarmdropBridge, lng = 'en'): RenderResult {
  const i18n = setupI18n(lng)
  // A wrapper, not a parent element: rerender() keeps the providers.
  return render(ui, {
    wrapper: ({ children }) => (
      <I18nextProvider i18n={i18n}>
        <BridgeContext.Provider value={bridge}>{children}</BridgeContext.Provider>
      </I18nextProvider>
    )
  })
}
