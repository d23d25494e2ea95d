import { createContext, useContext } from 'react'
import type { SwarmdropBridge } from '../../shared/api.js'

export const BridgeContext = createContext<SwarmdropBridge | null>(null)

export function useBridge (): SwarmdropBridge {
  const b = useContext(BridgeContext)
  if (b == null) throw new Error('no Swarmdrop bridge: wrap the app in <BridgeContext.Provider>')
  return b
}
