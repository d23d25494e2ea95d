import type { SwarmdropBridge } from '../../shared/api.js'
import { createWsBridge, type Connection } from './ws-bridge.js'

declare global {
  interface Window {
    /** Provided by the Electron preload; absent in a browser. */
    swarmdrop?: SwarmdropBridge
  }
}

/** Electron's preload bridge when there is one, else the daemon's WebSocket. */
export function getBridge (onConnection?: (state: Connection) => void): SwarmdropBridge {
  const electron = window.swarmdrop
  if (electron == null) return createWsBridge(window.location, onConnection)
  if (onConnection != null) electron.onConnection?.(onConnection)
  return electron
}
