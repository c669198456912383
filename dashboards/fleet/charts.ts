// History charts for the room page, drawn with uPlot from GET /api/rooms/:room/history. Series of a
// chart are joined on one time axis (uPlot's data model); states and levels are drawn as steps with
// their names on the axis, so "2" reads as "Nede", not as a number. Times are Norwegian time (the
// zone the rest of the page shows), on a 24-hour clock, whatever the browser's zone and locale;
// numbers use the page language's decimal sign.
import { h, type VNode } from 'preact'
import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { dateTime, dayMonth, hhmm, num, OSLO, sameDay } from '../shared/format.js'
import { tr, type Lang } from '../shared/i18n.js'
import type { HistorySeries } from '../shared/types.js'
import { useLang } from '../shared/ui.js'

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
  /** The zone times are shown in (default: Norwegian time). */
  timeZone?: string
}

/**
 * One x array (seconds, as uPlot wants) for every line; null where a line has no point. A point
 * before `from` — the state that held when the range began (the history API sends one for states) —
 * is drawn at `from`, so a step line starts at the left edge.
 */
export function alignSeries (lines: readonly ChartLine[], from = Number.NEGATIVE_INFINITY): uPlot.AlignedData {
  const at = (ts: number): number => Math.max(ts, from)
  const times = new Set<number>()
  for (const line of lines) for (const p of line.series?.points ?? []) times.add(at(p.ts))
  const xs = [...times].sort((a, b) => a - b)
  const index = new Map(xs.map((t, i) => [t, i]))
  const ys = lines.map((line) => {
    const column: Array<number | null> = new Array<number | null>(xs.length).fill(null)
    for (const p of line.series?.points ?? []) if (typeof p.value === 'number') column[index.get(at(p.ts))!] = p.value
    return column
  })
  return [xs.map((t) => t / 1000), ...ys]
}

/**
 * Labels of the time axis: "09:00", with the day under the first tick and under each one that
 * starts a new day; the day alone when ticks are a day or more apart.
 */
export function timeTicks (splits: readonly number[], incrSeconds: number, lang: Lang, timeZone: string): string[] {
  return splits.map((s, i) => {
    const ts = s * 1000
    if (incrSeconds >= 86_400) return dayMonth(ts, lang, timeZone)
    const time = hhmm(ts, lang, timeZone)
    const prev = splits[i - 1]
    return prev === undefined || !sameDay(prev * 1000, ts, timeZone) ? `${time}\n${dayMonth(ts, lang, timeZone)}` : time
  })
}

export function HistoryChart (props: { spec: ChartSpec, title: string }): VNode<any> {
  const l = useLang()
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const el = box.current
    if (el === null) return
    const { spec } = props
    const zone = spec.timeZone ?? OSLO
    const data = alignSeries(spec.lines, spec.from)
    const steps = spec.steps
    const scales = [...new Set(spec.lines.map((line) => line.scale ?? 'y'))]
    const axes: uPlot.Axis[] = [{
      stroke: '#5a6773',
      grid: { stroke: '#e5e9ed' },
      values: (_u: uPlot, splits: number[], _axis: number, _space: number, incr: number) => timeTicks(splits, incr, l, zone)
    }]
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
          : { values: (_u: uPlot, vals: number[]) => vals.map((v) => `${num(v, l, 2)}${unit !== '' ? ` ${unit}` : ''}`) })
      })
    })
    const valueText = (v: number | null, unit: string): string => v === null
      ? '—'
      : steps !== undefined ? steps[Math.round(v)] ?? '—' : `${num(v, l, 1)}${unit !== '' ? ` ${unit}` : ''}`
    const opts: uPlot.Options = {
      width: el.clientWidth,
      height: spec.height ?? 200,
      // ticks fall on whole hours and days of the zone, not of the browser
      tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), zone),
      scales: {
        x: { time: true, min: spec.from / 1000, max: spec.to / 1000 },
        ...Object.fromEntries(scales.map((s) => [s, steps !== undefined ? { range: [-0.2, steps.length - 0.8] as uPlot.Range.MinMax } : { range: (_u: uPlot, min: number, max: number): uPlot.Range.MinMax => [Math.min(0, min), max > 0 ? max * 1.1 : 1] }]))
      },
      axes,
      series: [
        { label: tr({ nb: 'Tid', en: 'Time' }, l), value: (_u: uPlot, v: number | null) => v === null ? '—' : dateTime(v * 1000, l, zone) },
        ...spec.lines.map((line): uPlot.Series => ({
          label: line.label,
          stroke: line.color,
          width: 2,
          scale: line.scale ?? 'y',
          spanGaps: true,
          value: (_u: uPlot, v: number | null) => valueText(v, spec.units?.[line.scale ?? 'y'] ?? ''),
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
  }, [props.spec, l])
  return h('figure', { class: 'chart' }, h('figcaption', null, props.title), h('div', { ref: box, class: 'chart__plot', role: 'img', 'aria-label': props.title }))
}
