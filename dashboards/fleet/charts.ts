// History charts for the room page, drawn with uPlot from GET /api/rooms/:room/history. Series of a
// chart are joined on one time axis (uPlot's data model); states and levels are drawn as steps with
// their names on the axis, so "2" reads as "Nede", not as a number.
import { h, type VNode } from 'preact'
import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import type { HistorySeries } from '../shared/types.js'

export interface ChartLine {
  label: string
  series: HistorySeries | undefined
  color: string
  /** Scale key: lines on another scale get an axis on the right. */
  scale?: string
}

export interface ChartSpec {
  lines: ChartLine[]
  /** Step chart with named values on the y axis (e.g. 0 OK, 1 Redusert …). */
  steps?: string[]
  units?: Record<string, string>
  from: number
  to: number
  height?: number
}

/** One x array (seconds, as uPlot wants) for every line; null where a line has no point. */
export function alignSeries (lines: readonly ChartLine[]): uPlot.AlignedData {
  const times = new Set<number>()
  for (const line of lines) for (const p of line.series?.points ?? []) times.add(p.ts)
  const xs = [...times].sort((a, b) => a - b)
  const index = new Map(xs.map((t, i) => [t, i]))
  const ys = lines.map((line) => {
    const column: Array<number | null> = new Array<number | null>(xs.length).fill(null)
    for (const p of line.series?.points ?? []) if (typeof p.value === 'number') column[index.get(p.ts)!] = p.value
    return column
  })
  return [xs.map((t) => t / 1000), ...ys]
}

export function HistoryChart (props: { spec: ChartSpec, title: string }): VNode<any> {
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const el = box.current
    if (el === null) return
    const { spec } = props
    const data = alignSeries(spec.lines)
    const steps = spec.steps
    const scales = [...new Set(spec.lines.map((l) => l.scale ?? 'y'))]
    const axes: uPlot.Axis[] = [{ stroke: '#5a6773', grid: { stroke: '#e5e9ed' } }]
    scales.forEach((scale, i) => {
      const unit = spec.units?.[scale] ?? ''
      axes.push({
        scale,
        side: i === 0 ? 3 : 1,
        stroke: '#5a6773',
        grid: { show: i === 0, stroke: '#e5e9ed' },
        size: steps !== undefined ? 80 : 56,
        ...(steps !== undefined
          ? { splits: () => steps.map((_, n) => n), values: (_u: uPlot, vals: number[]) => vals.map((v) => steps[v] ?? '') }
          : { values: (_u: uPlot, vals: number[]) => vals.map((v) => `${v}${unit !== '' ? ` ${unit}` : ''}`) })
      })
    })
    const opts: uPlot.Options = {
      width: el.clientWidth,
      height: spec.height ?? 200,
      scales: {
        x: { time: true, min: spec.from / 1000, max: spec.to / 1000 },
        ...Object.fromEntries(scales.map((s) => [s, steps !== undefined ? { range: [-0.2, steps.length - 0.8] as uPlot.Range.MinMax } : { range: (_u: uPlot, min: number, max: number): uPlot.Range.MinMax => [Math.min(0, min), max > 0 ? max * 1.1 : 1] }]))
      },
      axes,
      series: [
        {},
        ...spec.lines.map((line): uPlot.Series => ({
          label: line.label,
          stroke: line.color,
          width: 2,
          scale: line.scale ?? 'y',
          spanGaps: true,
          ...(steps !== undefined ? { paths: uPlot.paths.stepped?.({ align: 1 }) } : {}),
          points: { show: false }
        }))
      ],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } }
    }
    const plot = new uPlot(opts, data, el)
    const observer = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: spec.height ?? 200 }))
    observer.observe(el)
    return () => { observer.disconnect(); plot.destroy() }
  }, [props.spec])
  return h('figure', { class: 'chart' }, h('figcaption', null, props.title), h('div', { ref: box, class: 'chart__plot', role: 'img', 'aria-label': props.title }))
}
