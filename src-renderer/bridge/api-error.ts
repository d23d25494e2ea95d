import type { ErrorCode } from '../../shared/errors.js'

/** An API failure as the UI sees it: the engine's stable code and its message. */
export class ApiError extends Error {
  constructor (readonly code: ErrorCode | string, message: string) {
    super(message)
    this.name = 'ApiError'
  }
}

export function errorText (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
