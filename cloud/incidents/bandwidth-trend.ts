// Where a room's measured bandwidth is heading: a least-squares line through the recent throughput
// measurements, and from it whether the bandwidth will be below what a consultation needs by a given
// time (the end of the next consultation, or a horizon). Pure. A link that slowly fills up in the
// afternoon is caught while it still works. (The gateway judges its own trend against its profile's
// need and says so in readiness; this is the hub's view across the room's measurements, with the
// hub's configured need, for when the gateway's judgement is not there.)
import { linearFit, type TrendPoint } from '../../protocol/linear-fit.js'

export interface BandwidthSample {
  /** When it was measured (the network message's throughputTs, else ts). */
  at: number
  upMbps: number | null
  downMbps: number | null
}

export interface TrendSettings {
  windowMs: number
  minSamples: number
  minSpanMs: number
  /** The line must explain at least this share of the variation, so that noise is not a trend. */
  minR2: number
}

export type TrendVerdict =
  | { kind: 'below', mbps: number }
  | { kind: 'falling', mbps: number, slopePerHour: number, crossesAt: number }

/**
 * null: fine (or not enough data). below: the latest measurement is already under the need.
 * falling: the fitted line crosses the need before `until`.
 */
export function judgeBandwidth (samples: readonly BandwidthSample[], direction: 'up' | 'down', needMbps: number, now: number, until: number, s: TrendSettings): TrendVerdict | null {
  if (needMbps <= 0) return null
  const points: TrendPoint[] = []
  for (const x of samples) {
    const value = direction === 'up' ? x.upMbps : x.downMbps
    if (value !== null && Number.isFinite(value) && x.at > now - s.windowMs && x.at <= now) points.push({ at: x.at, value })
  }
  if (points.length === 0) return null
  points.sort((a, b) => a.at - b.at)
  const latest = points[points.length - 1]!
  if (latest.value < needMbps) return { kind: 'below', mbps: latest.value }
  if (points.length < s.minSamples || latest.at - points[0]!.at < s.minSpanMs) return null
  const fit = linearFit(points)
  if (fit === null || fit.slope >= 0 || fit.r2 < s.minR2) return null
  const valueAt = (t: number): number => fit.intercept + fit.slope * (t - fit.t0)
  if (valueAt(until) >= needMbps) return null
  const crossesAt = Math.max(now, Math.round(fit.t0 + (needMbps - fit.intercept) / fit.slope))
  return { kind: 'falling', mbps: latest.value, slopePerHour: fit.slope * 3_600_000, crossesAt }
}

/** Keeps the samples inside the window, at most `max`, one per measurement time. */
export function addSample (samples: BandwidthSample[], sample: BandwidthSample, windowMs: number, max = 500): BandwidthSample[] {
  if (samples.some((x) => x.at === sample.at)) return samples
  const kept = samples.filter((x) => x.at > sample.at - windowMs)
  kept.push(sample)
  kept.sort((a, b) => a.at - b.at)
  return kept.length > max ? kept.slice(kept.length - max) : kept
}
