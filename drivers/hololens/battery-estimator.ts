// Minutes of battery left, from the drain we observe ourselves. Windows' own EstimatedTime is often
// "unknown" (0xFFFFFFFF, as in the recorded reply) and reacts slowly when an app starts rendering
// video; the readiness engine compares our figure with the next consultation's length, so it must
// follow what the HoloLens is actually doing: a least-squares slope over the recent discharge.
// Pure: the caller passes timestamps in.

export interface BatteryEstimatorOptions {
  /** Only samples this recent count (a HoloLens drains faster while streaming than idle). */
  windowMs?: number
  /** No estimate until the samples span at least this long… */
  minSpanMs?: number
  /** …and there are at least this many. */
  minSamples?: number
}

export interface BatteryEstimate {
  minutes: number
  /** Observed drain in % per minute. */
  pctPerMinute: number
}

interface Sample { t: number, pct: number }

/** Slower than this (≈ 3 days from full) is "not draining" (on the charger, or noise). */
const MIN_DRAIN_PCT_PER_MINUTE = 100 / (3 * 24 * 60)

export class BatteryDrainEstimator {
  private samples: Sample[] = []
  private readonly windowMs: number
  private readonly minSpanMs: number
  private readonly minSamples: number

  constructor (options: BatteryEstimatorOptions = {}) {
    this.windowMs = options.windowMs ?? 20 * 60_000
    this.minSpanMs = options.minSpanMs ?? 60_000
    this.minSamples = Math.max(2, options.minSamples ?? 3)
  }

  /** Records a reading; charging, or a rise (charged while we were not looking), starts afresh. */
  observe (t: number, pct: number | null, charging: boolean): void {
    if (pct === null || !Number.isFinite(pct) || charging) {
      this.samples = []
      return
    }
    const last = this.samples.at(-1)
    if (last !== undefined && (t <= last.t || pct > last.pct + 0.5)) this.samples = []
    this.samples.push({ t, pct })
    while (this.samples.length > 0 && (this.samples[0]?.t ?? t) < t - this.windowMs) this.samples.shift()
    if (this.samples.length > 10_000) this.samples.shift()
  }

  reset (): void {
    this.samples = []
  }

  /** Null until enough discharge has been seen, or when the battery is not draining. */
  estimate (): BatteryEstimate | null {
    const n = this.samples.length
    const first = this.samples[0]
    const last = this.samples.at(-1)
    if (n < this.minSamples || first === undefined || last === undefined || last.t - first.t < this.minSpanMs) return null
    let sumT = 0
    let sumP = 0
    for (const s of this.samples) { sumT += s.t - first.t; sumP += s.pct }
    const meanT = sumT / n
    const meanP = sumP / n
    let cov = 0
    let varT = 0
    for (const s of this.samples) {
      const dt = s.t - first.t - meanT
      cov += dt * (s.pct - meanP)
      varT += dt * dt
    }
    if (varT === 0) return null
    const pctPerMinute = -(cov / varT) * 60_000
    if (!(pctPerMinute > MIN_DRAIN_PCT_PER_MINUTE)) return null
    return { minutes: Math.max(0, Math.floor(last.pct / pctPerMinute)), pctPerMinute }
  }
}
