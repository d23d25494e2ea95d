import { InvalidArgumentError } from 'commander'

/** Commander's way of taking a flag more than once. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

export function parsePositive (v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('a whole number above 0')
  return n
}

export function parsePort (v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port number from 0 to 65535')
  return n
}

export function parseSeconds (v: string): number {
  const n = Number(v)
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number of seconds (0 for no limit)')
  return n
}
