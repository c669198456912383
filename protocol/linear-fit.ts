// The least-squares line through a series of measurements, the trend arithmetic both sides need:
// the gateway for where its network metrics are heading and for rates from byte counts, the hub
// for where a room's bandwidth is heading across its history. Pure.

export interface TrendPoint {
  at: number
  value: number
}

export interface LinearFit {
  /** Change per ms. */
  slope: number
  /** The line's value at t0. */
  intercept: number
  /** Share of the variance the line explains, 0…1 (1 when the values do not vary at all). */
  r2: number
  /** The time of the first point, which the line is measured from. */
  t0: number
}

/** Least-squares line through the points (time relative to the first point); null for < 2 points or no spread in time. */
export function linearFit (points: readonly TrendPoint[]): LinearFit | null {
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
