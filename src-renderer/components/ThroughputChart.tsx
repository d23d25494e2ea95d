import { useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import type uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { formatSpeed } from '../state/format.js'

type Sample = { at: number, up: number, down: number }

/** Live bytes per second each way, drawn with uPlot (loaded on first use: it needs a real canvas). */
export function ThroughputChart ({ samples }: { samples: Sample[] }): React.JSX.Element {
  const { t } = useTranslation()
  const box = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const data = [samples.map(s => s.at / 1000), samples.map(s => s.down), samples.map(s => s.up)] as uPlot.AlignedData

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
        width: Math.max(240, el.clientWidth),
        height: 160,
        legend: { show: true },
        cursor: { show: false },
        axes: [{ stroke: style.color }, { stroke: style.color, values: (_u, vals) => vals.map(v => formatSpeed(v)), size: 80 }],
        series: [{}, { label: t('chart.down'), stroke: down, width: 2, value: (_u, v) => v == null ? '–' : formatSpeed(v) }, { label: t('chart.up'), stroke: up, width: 2, value: (_u, v) => v == null ? '–' : formatSpeed(v) }]
      }, [[], [], []], el)
    })
    const onResize = (): void => { plot.current?.setSize({ width: Math.max(240, el.clientWidth), height: 160 }) }
    window.addEventListener('resize', onResize)
    return () => { dead = true; window.removeEventListener('resize', onResize); plot.current?.destroy(); plot.current = null }
  }, [t])

  useEffect(() => { plot.current?.setData(data) })

  const last = samples[samples.length - 1]
  return (
    <section aria-labelledby="chart-title">
      <h2 id="chart-title">{t('chart.title')}</h2>
      <div ref={box} className="chart" role="img" aria-label={t('chart.label', { down: formatSpeed(last?.down ?? 0), up: formatSpeed(last?.up ?? 0) })} />
    </section>
  )
}
