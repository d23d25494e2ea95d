import { render, type RenderResult } from '@testing-library/react'
import type { ReactElement } from 'react'
import { I18nextProvider } from 'react-i18next'
import type { SwarmdropBridge } from '../../../shared/api.js'
import { setupI18n } from '../../../src-renderer/i18n/index.js'
import { BridgeContext } from '../../../src-renderer/state/bridge-context.js'

export function renderWith (ui: ReactElement, bridge: SwarmdropBridge, lng = 'en'): RenderResult {
  return render(
    <I18nextProvider i18n={setupI18n(lng)}>
      <BridgeContext.Provider value={bridge}>{ui}</BridgeContext.Provider>
    </I18nextProvider>
  )
}
