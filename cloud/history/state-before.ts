// The state a series was in when a history range begins. Readiness, device states and online are
// published on change, not at intervals: a room red since yesterday has no readiness point in the
// last hour, yet it was red all of it. For these state-like metrics the history API starts each
// series with its last point before `from`, found by looking back in widening windows (an hour, a
// day, a week, a month, a year), so a step chart starts with the state that held at `from`.
import { tagsKey } from '../store/point-rules.js'
import type { HistoryPoint, HistorySeries, TelemetryStore } from '../store/telemetry-store.js'
import { MAX_POINTS, MAX_SPAN_MS } from './history-query.js'

/** Metrics whose points are states that hold until the next point. */
export const STATE_METRICS: ReadonlySet<string> = new Set([
  'readiness.level', 'readiness.levelCode',
  'device_health.state', 'device_health.stateCode',
  'gateway_status.online'
])

const HOUR = 3_600_000
/** How far back each window reaches from `before`; the last is the longest span a history request may cover. */
const LOOKBACK_MS = [HOUR, 24 * HOUR, 7 * 24 * HOUR, 31 * 24 * HOUR, MAX_SPAN_MS]

export function isStateMetric (metric: string): boolean {
  return STATE_METRICS.has(metric)
}

type Query = Pick<TelemetryStore, 'query'>

/**
 * Each series' last point before `before`, by series key. `oneSeries`: the query can match one series
 * only (a room's readiness, one device), so the search stops at the first window that has it.
 */
export async function lastPointsBefore (store: Query, metric: string, tags: Record<string, string>, before: number, oneSeries: boolean): Promise<Map<string, { tags: Record<string, string>, point: HistoryPoint }>> {
  const found = new Map<string, { tags: Record<string, string>, point: HistoryPoint }>()
  let end = before - 1
  for (const reach of LOOKBACK_MS) {
    const from = Math.max(0, before - reach)
    if (from > end) continue
    for (const s of await store.query({ metric, tags, from, to: end, maxPoints: MAX_POINTS })) {
      const key = tagsKey(s.tags)
      if (found.has(key) || s.points.length === 0) continue
      found.set(key, { tags: s.tags, point: await exactLast(store, metric, s, end) })
    }
    if (oneSeries && found.size > 0) break
    end = from - 1
    if (end < 0) break
  }
  return found
}

/**
 * The series' last stored point. A window with more than MAX_POINTS points comes back as means of
 * buckets; then the last bucket is asked again on its own, until it comes back as stored.
 */
async function exactLast (store: Query, metric: string, s: HistorySeries, end: number): Promise<HistoryPoint> {
  let last = s.points[s.points.length - 1]!
  let count = s.points.length
  for (let i = 0; i < 4 && count >= MAX_POINTS && last.ts < end; i++) {
    const again = (await store.query({ metric, tags: s.tags, from: last.ts, to: end, maxPoints: MAX_POINTS }))[0]
    if (again === undefined || again.points.length === 0) break
    last = again.points[again.points.length - 1]!
    count = again.points.length
  }
  return last
}

/** `series` with each one's state at `from` put first; series with only that point are added, in tag order. */
export function withStateBefore (series: HistorySeries[], before: ReadonlyMap<string, { tags: Record<string, string>, point: HistoryPoint }>, metric: string): HistorySeries[] {
  const out = series.map((s) => {
    const carried = before.get(tagsKey(s.tags))
    return carried !== undefined ? { ...s, points: [carried.point, ...s.points] } : s
  })
  const present = new Set(series.map((s) => tagsKey(s.tags)))
  const added = [...before].filter(([key]) => !present.has(key)).map(([, carried]) => ({ metric, tags: carried.tags, points: [carried.point] }))
  if (added.length === 0) return out
  return [...out, ...added].sort((a, b) => { const ka = tagsKey(a.tags); const kb = tagsKey(b.tags); return ka < kb ? -1 : ka > kb ? 1 : 0 })
}
