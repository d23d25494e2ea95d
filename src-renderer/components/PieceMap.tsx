import { useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { isRunning, type DownloadState, type PieceMap as PieceMapData } from '../../shared/api.js'
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

/** How many pieces are verified, and of the rest how many no connected peer has (counted only while it runs). */
export function countCells (cells: Cell[], live: boolean): { have: number, nobody: number } {
  let have = 0
  let nobody = 0
  for (const c of cells) {
    have += c.have
    if (live && c.have < c.of && c.availability === 0) nobody += c.of - c.have
  }
  return { have, nobody }
}

/**
 * What is verified on disk (filled) in every state. While the download runs,
 * the rest is shaded by how many connected peers have each piece (darker =
 * more) and red where nobody online has it; while it is stopped nobody is
 * asked, so the rest is plain track, never "missing".
 */
export function PieceMap ({ id, name, state }: { id: string, name: string, state: DownloadState }): React.JSX.Element {
  const { t } = useTranslation()
  const bridge = useBridge()
  const [map, setMap] = useState<PieceMapData | null>(null)
  const canvas = useRef<HTMLCanvasElement>(null)
  const running = isRunning(state)

  useEffect(() => {
    let stop = false
    const load = (): void => { bridge.pieceMap({ id }).then(m => { if (!stop) setMap(m) }, () => {}) }
    load()
    const timer = running ? setInterval(load, POLL_MS) : undefined
    return () => { stop = true; clearInterval(timer) }
  }, [bridge, id, running, state])

  const cells = map == null ? [] : cellsOf(map)
  const live = map?.live === true && running
  const { have, nobody } = countCells(cells, live)
  const total = map?.pieces ?? 0

  useEffect(() => {
    const c = canvas.current
    const ctx = c?.getContext?.('2d')
    if (c == null || ctx == null || cells.length === 0) return
    const style = getComputedStyle(c)
    const colour = (v: string, d: string): string => style.getPropertyValue(v).trim() || d
    const w = c.width / cells.length
    ctx.clearRect(0, 0, c.width, c.height)
    cells.forEach((cell, i) => {
      if (cell.have === 0 && !live) return
      ctx.globalAlpha = 1
      if (cell.have === cell.of) ctx.fillStyle = colour('--accent', '#2f6fed')
      else if (!live) { ctx.fillStyle = colour('--accent', '#2f6fed'); ctx.globalAlpha = 0.5 * cell.have / cell.of }
      else if (cell.availability === 0) ctx.fillStyle = colour('--missing', '#d9534f')
      else { ctx.fillStyle = colour('--accent', '#2f6fed'); ctx.globalAlpha = Math.min(0.6, 0.15 + cell.availability * 0.1) }
      ctx.fillRect(Math.floor(i * w), 0, Math.max(1, Math.ceil(w)), c.height)
    })
    ctx.globalAlpha = 1
  })

  const caption = t('downloads.pieceCount', { have, total })
  return (
    <div className={`piecemap${live ? '' : ' stopped'}`} data-state={state}>
      <canvas ref={canvas} width={MAX_CELLS} height={14} role="img" aria-label={t('downloads.pieceMap', { name, caption })} />
      <p className="muted small piecemap-caption">
        {caption}
        {live && nobody > 0 && <> · <span className="missing">{t('downloads.pieceNobody', { count: nobody })}</span></>}
        {!live && state !== 'seeding' && <> · {t(`downloads.pieceStopped.${state === 'failed' ? 'failed' : state === 'paused' ? 'paused' : 'starting'}`)}</>}
      </p>
    </div>
  )
}
