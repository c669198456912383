// Where a network metric is heading: an exponentially smoothed level, the least-squares slope of the
// recent values, and from both the time until the level crosses a threshold. A link that slowly
// fills up in the afternoon is caught while it still works, early enough for IT to act. Pure.
import { linearFit, type TrendPoint } from '../../protocol/linear-fit.js'

/** The last value of an exponentially weighted moving average (alpha: weight of each new value). */
export function smoothedLevel (points: readonly TrendPoint[], alpha: number): number | null {
  let level: number | null = null
  for (const p of points) level = level === null ? p.value : level + alpha * (p.value - level)
  return level
}

export interface ThresholdQuestion {
  points: readonly TrendPoint[]
  now: number
  threshold: number
  /** rising: the metric is bad when above (RTT, jitter, loss); falling: bad when below (bandwidth). */
  direction: 'rising' | 'falling'
  /** Only the points within this window count (default 15 min). */
  windowMs?: number
  minPoints?: number
  /** The points must cover at least this much time, so a blip is not a trend (default 3 min). */
  minSpanMs?: number
  /** The line must explain at least this share of the variation (default 0.5). */
  minR2?: number
  /** Smoothing of the level (default 0.3). */
  alpha?: number
}

export interface ThresholdAnswer {
  level: number
  /** Change per minute, in the metric's unit. */
  slopePerMinute: number
  /** ms until the level crosses the threshold: 0 if it has, null if it is not heading there. */
  msToThreshold: number | null
}

export function timeToThreshold (q: ThresholdQuestion): ThresholdAnswer | null {
  const windowMs = q.windowMs ?? 15 * 60_000
  const points = q.points.filter((p) => p.at > q.now - windowMs && p.at <= q.now && Number.isFinite(p.value))
  if (points.length < (q.minPoints ?? 6)) return null
  if (points[points.length - 1]!.at - points[0]!.at < (q.minSpanMs ?? 3 * 60_000)) return null
  const fit = linearFit(points)
  const level = smoothedLevel(points, q.alpha ?? 0.3)
  if (fit === null || level === null) return null
  const slopePerMinute = fit.slope * 60_000
  const worse = q.direction === 'rising' ? (a: number, b: number) => a >= b : (a: number, b: number) => a <= b
  if (worse(level, q.threshold)) return { level, slopePerMinute, msToThreshold: 0 }
  const heading = q.direction === 'rising' ? fit.slope > 0 : fit.slope < 0
  if (!heading || fit.r2 < (q.minR2 ?? 0.5)) return { level, slopePerMinute, msToThreshold: null }
  return { level, slopePerMinute, msToThreshold: (q.threshold - level) / fit.slope }
}
