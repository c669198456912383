// Where a room's measured bandwidth is heading: a least-squares line through the recent throughput
// measurements, and from it whether the bandwidth will be below what a consultation needs by a given
// time (the end of the next consultation, or a horizon). Pure. A link that slowly fills up in the
// afternoon is caught while it still works. (The gateway judges its own trend against its profile's
// need and says so in readiness; this is the hub's view across the room's measurements, with the
// hub's configured need, for when the gateway's judgement is not there.)

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

interface Point { at: number, value: number }

/** Least-squares fit (time relative to the first point); null when it cannot be fitted. */
export function fitLine (points: readonly Point[]): { slope: number, intercept: number, r2: number, t0: number } | null {
  if (points.length < 2) return null
  const t0 = points[0]!.at
  const n = points.length
  let sx = 0; let sy = 0
  for (const p of points) { sx += p.at - t0; sy += p.value }
  const mx = sx / n
  const my = sy / n
  let sxx = 0; let sxy = 0; let syy = 0
  for (const p of points) {
    const dx = p.at - t0 - mx
    const dy = p.value - my
    sxx += dx * dx; sxy += dx * dy; syy += dy * dy
  }
  if (sxx === 0) return null
  const slope = sxy / sxx
  return { slope, intercept: my - slope * mx, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy), t0 }
}

/**
 * null: fine (or not enough data). below: the latest measurement is already under the need.
 * falling: the fitted line crosses the need before `until`.
 */
export function judgeBandwidth (samples: readonly BandwidthSample[], direction: 'up' | 'down', needMbps: number, now: number, until: number, s: TrendSettings): TrendVerdict | null {
  if (needMbps <= 0) return null
  const points: Point[] = []
  for (const x of samples) {
    const value = direction === 'up' ? x.upMbps : x.downMbps
    if (value !== null && Number.isFinite(value) && x.at > now - s.windowMs && x.at <= now) points.push({ at: x.at, value })
  }
  if (points.length === 0) return null
  points.sort((a, b) => a.at - b.at)
  const latest = points[points.length - 1]!
  if (latest.value < needMbps) return { kind: 'below', mbps: latest.value }
  if (points.length < s.minSamples || latest.at - points[0]!.at < s.minSpanMs) return null
  const fit = fitLine(points)
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
