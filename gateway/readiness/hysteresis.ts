// Keeps the light from flapping: a worse level shows at once (staff must know now), a better
// level only after it has held for `recoverAfterMs` (a device that comes and goes stays red).
// While a recovery is being confirmed, the light keeps its level and says so.
import type { ReadinessLevel } from '../../protocol/messages.js'
import { isBetter, type ReadinessEvaluation } from './evaluate.js'
import { reasons } from './reasons.js'

export interface ShownReadiness extends ReadinessEvaluation {
  /** Since when the shown level has been shown. */
  since: number
}

export class ReadinessHysteresis {
  private shown: ReadinessLevel | null = null
  private since = 0
  private betterSince: number | null = null

  constructor (private readonly recoverAfterMs: number) {}

  apply (raw: ReadinessEvaluation, now: number): ShownReadiness {
    if (this.shown === null || !isBetter(raw.level, this.shown)) {
      if (raw.level !== this.shown) this.since = now
      this.shown = raw.level
      this.betterSince = null
      return { ...raw, since: this.since }
    }
    this.betterSince ??= now
    if (now - this.betterSince >= this.recoverAfterMs) {
      this.shown = raw.level
      this.since = now
      this.betterSince = null
      return { ...raw, since: this.since }
    }
    const settling = { ...reasons.settling(), level: this.shown === 'red' ? 'red' as const : 'amber' as const }
    return {
      ...raw,
      level: this.shown,
      reasons: [settling, ...raw.reasons],
      summary: settling.message,
      since: this.since
    }
  }

  /** When the held level may next change by itself (for scheduling a re-evaluation), or null. */
  nextChangeAt (): number | null {
    return this.betterSince === null ? null : this.betterSince + this.recoverAfterMs
  }
}
