// The clock and timers the pre-session check schedules by. Injectable, so a test runs a morning of
// consultations in milliseconds: a gateway whose `clock` also has setTimeout/clearTimeout (a test
// clock) lends them to the check; otherwise the system's timers are used with that clock.
import type { Clock } from '../../drivers/contract.js'

export interface CheckTimers extends Clock {
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (handle: unknown) => void
}

/** The longest a timer is set for at once: the plan is looked at again at least this often. */
export const MAX_TIMER_MS = 15 * 60_000

export function timersOf (clock: Clock): CheckTimers {
  const c = clock as Partial<CheckTimers>
  if (typeof c.setTimeout === 'function' && typeof c.clearTimeout === 'function') return clock as CheckTimers
  return {
    now: () => clock.now(),
    setTimeout: (fn, ms) => {
      const timer = setTimeout(fn, ms)
      timer.unref()
      return timer
    },
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout)
  }
}
