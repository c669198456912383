// Keeps the light from flapping: a worse level shows at once (staff must know now), a better
// level only after it has held for `recoverAfterMs` (a device that comes and goes stays red).
// While a recovery is being confirmed, the light keeps its level and says so.
//
// A level held only by "not known yet" — a device that has not answered since start, a network not
// yet measured, the hub not yet reached after boot — is no fault, so nothing "is fixed" when it
// clears: the better level shows at once, without the settling sentence. Otherwise every boot would
// end by telling staff that a fault had been fixed.
import type { Reason, ReadinessLevel } from '../../protocol/messages.js'
import { isBetter, type ReadinessEvaluation } from './evaluate.js'
import { reasons } from './reasons.js'

export interface ShownReadiness extends ReadinessEvaluation {
  /** Since when the shown level has been shown. */
  since: number
}

/** Reasons that say "we do not know yet", not "something is wrong". */
const NOT_KNOWN_YET: ReadonlySet<string> = new Set(['device.unknown', 'network.unmeasured'])
/** Not known yet only until it has been fine once: the uplink before its first connection. */
const NOT_KNOWN_UNTIL_FIRST_SEEN: ReadonlySet<string> = new Set(['uplink.down'])

export class ReadinessHysteresis {
  private shown: ReadinessLevel | null = null
  private since = 0
  private betterSince: number | null = null
  /** Whether the level shown is held by a real fault (false: only by what is not known yet). */
  private heldByFault = false
  /** Codes of NOT_KNOWN_UNTIL_FIRST_SEEN that an evaluation has been without (e.g. the uplink was up). */
  private readonly seenFine = new Set<string>()

  constructor (private readonly recoverAfterMs: number) {}

  apply (raw: ReadinessEvaluation, now: number): ShownReadiness {
    for (const code of NOT_KNOWN_UNTIL_FIRST_SEEN) if (!raw.reasons.some((r) => r.code === code)) this.seenFine.add(code)
    if (this.shown === null || !isBetter(raw.level, this.shown)) {
      if (raw.level !== this.shown) this.since = now
      this.shown = raw.level
      this.betterSince = null
      this.heldByFault = raw.reasons.some((r) => this.isFault(r))
      return { ...raw, since: this.since }
    }
    if (!this.heldByFault) return this.show(raw, now)
    this.betterSince ??= now
    if (now - this.betterSince >= this.recoverAfterMs) return this.show(raw, now)
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

  private show (raw: ReadinessEvaluation, now: number): ShownReadiness {
    this.shown = raw.level
    this.since = now
    this.betterSince = null
    this.heldByFault = raw.reasons.some((r) => this.isFault(r))
    return { ...raw, since: this.since }
  }

  private isFault (r: Reason): boolean {
    if (NOT_KNOWN_YET.has(r.code)) return false
    if (NOT_KNOWN_UNTIL_FIRST_SEEN.has(r.code)) return this.seenFine.has(r.code)
    return true
  }
}
