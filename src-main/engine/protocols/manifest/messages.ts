/**
 * The wire format. Request: the CID's bytes, then (for a private share) a
 * 32-byte access proof. Answer: one status byte, then on OK the manifest's
 * bytes, which the asker checks against the CID.
 */
export const Status = {
  OK: 0,
  NOT_FOUND: 1,
  /** A private share this peer may not have; said plainly so the user knows why. */
  DENIED: 2
} as const
