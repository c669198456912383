// Which consultation readiness is about: the one running now, else the next one within the
// lookahead. Pure: the clock is an argument.
import type { Consultation } from '../../protocol/messages.js'

export function currentOrNextSession (schedule: readonly Consultation[], now: number, lookaheadMs: number): Consultation | null {
  let best: Consultation | null = null
  for (const c of schedule) {
    const end = c.start + c.minutes * 60_000
    if (end <= now) continue // over
    if (c.start <= now) return c // running now wins
    if (c.start - now > lookaheadMs) continue
    if (best === null || c.start < best.start) best = c
  }
  return best
}

export function isRunning (session: Consultation | null, now: number): boolean {
  return session !== null && session.start <= now && now < session.start + session.minutes * 60_000
}

/** "09:30" in the room's time zone. */
export function clockTime (ts: number, timeZone: string): string {
  return new Intl.DateTimeFormat('nb-NO', { hour: '2-digit', minute: '2-digit', hour12: false, timeZone }).format(ts)
}
