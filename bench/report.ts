import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Repository root, whether this runs from dist/bench/ or (through tsx) from bench/. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), import.meta.url.includes('/dist/') ? '../..' : '..')

export type Align = 'left' | 'right'

/** Plain-text table: numbers right-aligned so their digits line up, text left-aligned. */
export function table (header: string[], rows: string[][], align: Align[]): string {
  const cells = [header, ...rows]
  const widths = header.map((_, i) => Math.max(...cells.map(r => (r[i] ?? '').length)))
  const line = (r: string[]): string => widths
    .map((w, i) => align[i] === 'right' ? (r[i] ?? '').padStart(w) : (r[i] ?? '').padEnd(w))
    .join('  ')
    .trimEnd()
  return [line(header), widths.map(w => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

export const mbps = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000)

export const verdict = (ok: boolean): string => ok ? 'PASS' : 'MISS'

/** Writes bench/results/<suite>-<UTC time>.json and returns its path. */
export async function writeResult (suite: string, result: object): Promise<string> {
  const dir = join(ROOT, 'bench', 'results')
  await mkdir(dir, { recursive: true })
  // Colons are awkward in file names on some systems; the time is still sortable.
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const path = join(dir, `${suite}-${stamp}.json`)
  await writeFile(path, `${JSON.stringify(result, null, 2)}\n`)
  return path
}
