import { ProtocolViolationError } from '../../../shared/errors.js'

/**
 * Errors that mean the remote peer broke the protocol, as opposed to the
 * network failing: our own checks, and libp2p's frame and buffer caps.
 */
const LIBP2P_VIOLATIONS = new Set(['InvalidDataLengthError', 'InvalidDataLengthLengthError', 'StreamBufferError', 'TooManyInboundProtocolStreamsError'])

export function isViolation (err: unknown): boolean {
  return err instanceof ProtocolViolationError || (err instanceof Error && LIBP2P_VIOLATIONS.has(err.name))
}
