/**
 * The one Content-Security-Policy for the renderer, whether Electron or the
 * daemon serves it: scripts and styles from the app only, no eval, no inline
 * code, no remote content, no plugins; the API over a connection to the same
 * origin; images may be data: or blob: URLs (QR codes).
 */
export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'"
