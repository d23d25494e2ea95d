import { useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import type uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { formatSpeed } from '../../shared/format.js'

type Sample = { at: number, up: number, down: number }

/** The lowest top of the speed axis, in bytes per second. */
const MIN_SCALE = 100_000

/** The box's width inside its padding: the plot and its legend must fit in the card, not spill over its edge. */
function innerWidth (el: HTMLElement): number {
  const style = getComputedStyle(el)
  return Math.max(240, el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight))
}

/** Live bytes per second each way, drawn with uPlot (loaded on first use: it needs a real canvas). */
export function ThroughputChart ({ samples }: { samples: Sample[] }): React.JSX.Element {
  const { t } = useTranslation()
  const box = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const latest = useRef<uPlot.AlignedData>([[], [], []])
  // x is seconds relative to the newest sample, so the axis reads "-60s … 0s" rather than clock times.
  // Not rounded: two samples a little under a second apart must not share an x (uPlot needs x strictly increasing).
  const newest = samples[samples.length - 1]?.at ?? 0
  const data = [samples.map(s => (s.at - newest) / 1000), samples.map(s => s.down), samples.map(s => s.up)] as uPlot.AlignedData

  useEffect(() => {
    let dead = false
    const el = box.current
    if (el == null || typeof window.matchMedia !== 'function') return
    void import('uplot').then(({ default: UPlot }) => {
      if (dead) return
      const style = getComputedStyle(el)
      const down = style.getPropertyValue('--accent').trim() || '#2f6fed'
      const up = style.getPropertyValue('--up').trim() || '#1e9e6a'
      plot.current = new UPlot({
        width: innerWidth(el),
        height: 160,
        legend: { show: true, live: false },
        cursor: { show: false },
        // An idle chart starts its scale at 100 KB/s rather than inventing ticks like "100 B/s" out of zeros.
        scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(max, MIN_SCALE)] } },
        axes: [{ stroke: style.color, incrs: [1, 2, 5, 10, 15, 30, 60], values: (_u, vals) => vals.map(v => t('chart.secondsAgo', { s: Math.round(v) })) }, { stroke: style.color, values: (_u, vals) => vals.map(v => formatSpeed(v)), size: 80 }],
        series: [{ label: t('chart.time') }, { label: t('chart.down'), stroke: down, width: 2, value: (_u, v) => v == null ? '–' : formatSpeed(v) }, { label: t('chart.up'), stroke: up, width: 2, value: (_u, v) => v == null ? '–' : formatSpeed(v) }]
      }, latest.current, el)
    })
    const onResize = (): void => { plot.current?.setSize({ width: innerWidth(el), height: 160 }) }
    window.addEventListener('resize', onResize)
    return () => { dead = true; window.removeEventListener('resize', onResize); plot.current?.destroy(); plot.current = null }
  }, [t])

  latest.current = data
  useEffect(() => { plot.current?.setData(data) })

  const last = samples[samples.length - 1]
  return (
    <section aria-labelledby="chart-title">
      <h2 id="chart-title">{t('chart.title')}</h2>
      <div ref={box} className="chart" role="img" aria-label={t('chart.label', { down: formatSpeed(last?.down ?? 0), up: formatSpeed(last?.up ?? 0) })} />
    </section>
  )
}
