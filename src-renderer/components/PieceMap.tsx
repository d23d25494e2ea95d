import { useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { PieceMap as PieceMapData } from '../../shared/api.js'
import { useBridge } from '../state/bridge-context.js'

/** Cells drawn at most; bigger shares group several pieces per cell. */
const MAX_CELLS = 512
const POLL_MS = 1_000

export interface Cell { have: number, of: number, availability: number }

/** Groups pieces into cells: how many of each cell's pieces we have, and the least-available piece in it. */
export function cellsOf (map: PieceMapData): Cell[] {
  const bits = Uint8Array.from(atob(map.have), c => c.charCodeAt(0))
  const per = Math.max(1, Math.ceil(map.pieces / MAX_CELLS))
  const cells: Cell[] = []
  for (let start = 0; start < map.pieces; start += per) {
    const end = Math.min(map.pieces, start + per)
    let have = 0
    let availability = Infinity
    for (let i = start; i < end; i++) {
      if (((bits[i >> 3] ?? 0) >> (7 - (i & 7))) & 1) have++
      else availability = Math.min(availability, map.availability[i] ?? 0)
    }
    cells.push({ have, of: end - start, availability: availability === Infinity ? 0 : availability })
  }
  return cells
}

/**
 * Which pieces we have (filled) and, for the rest, how many connected peers
 * have them (darker = more peers; hatched = nobody online has it).
 */
export function PieceMap ({ id, name, live }: { id: string, name: string, live: boolean }): React.JSX.Element {
  const { t } = useTranslation()
  const bridge = useBridge()
  const [map, setMap] = useState<PieceMapData | null>(null)
  const canvas = useRef<HTMLCanvasElement>(null)

  useEffect(() => {
    let stop = false
    const load = (): void => { bridge.pieceMap({ id }).then(m => { if (!stop) setMap(m) }, () => {}) }
    load()
    const timer = live ? setInterval(load, POLL_MS) : undefined
    return () => { stop = true; clearInterval(timer) }
  }, [bridge, id, live])

  const cells = map == null ? [] : cellsOf(map)
  const have = map == null ? 0 : cells.reduce((n, c) => n + c.have, 0)

  useEffect(() => {
    const c = canvas.current
    const ctx = c?.getContext?.('2d')
    if (c == null || ctx == null || cells.length === 0) return
    const style = getComputedStyle(c)
    const colour = (v: string, d: string): string => style.getPropertyValue(v).trim() || d
    const w = c.width / cells.length
    ctx.clearRect(0, 0, c.width, c.height)
    cells.forEach((cell, i) => {
      ctx.globalAlpha = 1
      if (cell.have === cell.of) ctx.fillStyle = colour('--accent', '#2f6fed')
      else if (cell.availability === 0) ctx.fillStyle = colour('--missing', '#d9534f')
      else { ctx.fillStyle = colour('--accent', '#2f6fed'); ctx.globalAlpha = Math.min(0.6, 0.15 + cell.availability * 0.1) }
      ctx.fillRect(Math.floor(i * w), 0, Math.max(1, Math.ceil(w)), c.height)
    })
    ctx.globalAlpha = 1
  })

  return (
    <div className="piecemap">
      <canvas ref={canvas} width={MAX_CELLS} height={14} role="img" aria-label={t('downloads.pieceMap', { name, have, total: map?.pieces ?? 0 })} />
    </div>
  )
}
