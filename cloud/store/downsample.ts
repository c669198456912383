// Time buckets for `maxPoints` (HistoryQuery): the same arithmetic in the embedded store and in the
// InfluxQL `GROUP BY time(width, offset)` the InfluxDB store sends, so both return the same points.
import type { FieldValue, HistoryPoint } from './telemetry-store.js'

/** Width in ms of each of `maxPoints` buckets that together cover [from, to] (both ends included). */
export function bucketWidth (from: number, to: number, maxPoints: number): number {
  return Math.max(1, Math.ceil((to - from + 1) / maxPoints))
}

/** Start of the bucket `ts` falls in, buckets starting at `from`. */
export function bucketStart (ts: number, from: number, width: number): number {
  return from + Math.floor((ts - from) / width) * width
}

/**
 * One point per non-empty bucket, at the bucket's start: the mean of the numbers, or the last value
 * (by time) when the bucket holds text or booleans. `points` must be sorted by time.
 */
export function downsample (points: readonly HistoryPoint[], from: number, width: number): HistoryPoint[] {
  const out: HistoryPoint[] = []
  let start = Number.NaN
  let sum = 0
  let count = 0
  let last: FieldValue | null = null
  let numeric = true
  const emit = (): void => {
    if (Number.isNaN(start)) return
    out.push({ ts: start, value: numeric && count > 0 ? sum / count : last })
  }
  for (const p of points) {
    const b = bucketStart(p.ts, from, width)
    if (b !== start) {
      emit()
      start = b
      sum = 0
      count = 0
      last = null
      numeric = true
    }
    if (typeof p.value === 'number') {
      sum += p.value
      count++
    } else if (p.value !== null) {
      numeric = false
    }
    last = p.value
  }
  emit()
  return out
}
