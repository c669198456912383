// Small statistics for benchmark figures: percentiles (nearest rank) and rounding for tables.

/** The p-th percentile (0–100) by nearest rank; NaN for no samples. */
export function percentile (samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)))
  return sorted[rank - 1]!
}

export interface Summary { n: number, p50: number, p99: number, max: number, mean: number }

export function summarise (samples: readonly number[]): Summary {
  const n = samples.length
  const mean = n === 0 ? Number.NaN : samples.reduce((a, b) => a + b, 0) / n
  return { n, p50: percentile(samples, 50), p99: percentile(samples, 99), max: n === 0 ? Number.NaN : samples.reduce((a, b) => Math.max(a, b), -Infinity), mean }
}

/** A number rounded for a table: 3 significant digits, whole numbers above 100. */
export function round (value: number): number {
  if (!Number.isFinite(value)) return value
  const abs = Math.abs(value)
  if (abs >= 100) return Math.round(value)
  if (abs >= 10) return Math.round(value * 10) / 10
  if (abs >= 1) return Math.round(value * 100) / 100
  return Math.round(value * 1000) / 1000
}
