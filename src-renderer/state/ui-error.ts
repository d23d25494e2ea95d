import { ErrorCodes } from '../../shared/errors.js'

/** Codes a front end adds to the engine's: the bridge is down, so nothing was even asked. */
export const UI_CODES = { OFFLINE: 'OFFLINE' } as const

export type UiErrorCode = keyof typeof ErrorCodes | keyof typeof UI_CODES

/** A failure as the UI keeps it: the code picks the sentence a person reads, the raw text is only a detail. */
export interface UiError {
  code: UiErrorCode
  raw: string
}

const KNOWN = new Set<string>([...Object.keys(ErrorCodes), ...Object.keys(UI_CODES)])

/** Anything a bridge call threw, as a UiError; an error without a code we know reads as INTERNAL. */
export function toUiError (err: unknown): UiError {
  const message = (err as { message?: unknown } | null)?.message
  const raw = typeof message === 'string' ? message : String(err)
  const code = (err as { code?: unknown } | null)?.code
  return { code: typeof code === 'string' && KNOWN.has(code) ? code as UiErrorCode : 'INTERNAL', raw }
}
