// When the pre-session checks run, from the schedule and the clock. Pure.
//
// Each consultation gets a check at each configured time before its start (T−30 and T−5 by
// default). A check time that has passed while its consultation has not started is due; when
// several have passed (the gateway was off or the schedule came late), only the latest runs: one
// check now says everything the missed ones would have. A failed check is retried until it passes
// or the consultation starts, so a problem IT fixes clears from the light without anyone asking.
import type { Consultation } from '../../protocol/messages.js'

export interface CheckTime {
  session: Consultation
  minutesBefore: number
  at: number
  /** Names this check of this consultation; a rescheduled consultation gets new keys. */
  key: string
}

export function checkKey (session: Consultation, minutesBefore: number): string {
  return `${session.id}@${session.start}@${minutesBefore}`
}

/** Every check time of consultations that have not started yet, earliest first. */
export function checkTimes (schedule: readonly Consultation[], beforeMinutes: readonly number[], now: number): CheckTime[] {
  const out: CheckTime[] = []
  for (const session of schedule) {
    if (session.start <= now) continue
    for (const minutesBefore of new Set(beforeMinutes)) {
      out.push({ session, minutesBefore, at: session.start - minutesBefore * 60_000, key: checkKey(session, minutesBefore) })
    }
  }
  return out.sort((a, b) => a.at - b.at || a.session.start - b.session.start)
}

export interface CheckPlanInput {
  schedule: readonly Consultation[]
  beforeMinutes: readonly number[]
  now: number
  /** Keys of checks already run (or skipped as covered by a later one). */
  done: ReadonlySet<string>
  /** Retry times of failed checks, by consultation id; a retry is due at its time before the start. */
  retries?: ReadonlyMap<string, number>
}

export interface CheckPlan {
  /** Checks to run now, one per consultation at most (its latest passed check time). */
  due: CheckTime[]
  /** Earlier passed check times that the due ones cover: mark them done without running them. */
  covered: CheckTime[]
  /** When something next becomes due, or null when nothing is coming. */
  next: number | null
}

export function planChecks (i: CheckPlanInput): CheckPlan {
  const times = checkTimes(i.schedule, i.beforeMinutes, i.now)
  const latestPassed = new Map<string, CheckTime>()
  const covered: CheckTime[] = []
  let next: number | null = null
  for (const t of times) {
    if (i.done.has(t.key)) continue
    if (t.at > i.now) {
      next = next === null ? t.at : Math.min(next, t.at)
      continue
    }
    const earlier = latestPassed.get(t.session.id)
    if (earlier !== undefined) covered.push(earlier)
    latestPassed.set(t.session.id, t)
  }
  const due = [...latestPassed.values()]
  for (const session of i.schedule) {
    const at = i.retries?.get(session.id)
    if (at === undefined || session.start <= i.now) continue
    if (at <= i.now) {
      if (!latestPassed.has(session.id)) due.push({ session, minutesBefore: Math.max(0, (session.start - i.now) / 60_000), at, key: `${session.id}@${session.start}@retry@${at}` })
    } else {
      next = next === null ? at : Math.min(next, at)
    }
  }
  return { due: due.sort((a, b) => a.session.start - b.session.start), covered, next }
}

/** When to try a failed check again: `retryMs` later, if that is still before the consultation starts. */
export function retryTime (failedAt: number, retryMs: number, sessionStart: number): number | null {
  if (retryMs <= 0) return null
  const at = failedAt + retryMs
  return at < sessionStart ? at : null
}
