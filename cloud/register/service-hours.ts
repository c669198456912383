// When a promised response time runs out, counting only a party's service hours. Pure.
// "Two hours, weekdays 08:00–16:00": an incident the party heard of on Friday at 15:30 is due on
// Monday at 09:30, not on Friday at 17:30. Opening hours come from cloud/incidents/opening-hours.ts
// (the same format as a room's), in the hub's time zone.
import { localWeekMinute, type WeekHours } from '../incidents/opening-hours.js'
import { wallTimeOf, zonedToUtc } from '../schedule/zoned-time.js'

const MIN = 60_000
/** Enough steps for any week of ranges many times over; a guard, never reached with sane input. */
const MAX_STEPS = 10_000

/**
 * The moment `minutes` of service time have passed since `start`. `hours` undefined or 'always':
 * plain clock time. A week without any service hours never reaches it: null.
 */
export function addServiceMinutes (start: number, minutes: number, hours: WeekHours | 'always' | undefined, timeZone: string): number | null {
  if (hours === undefined || hours === 'always') return start + minutes * MIN
  if (hours.every((day) => day.length === 0)) return null
  let at = start
  let leftMs = minutes * MIN
  for (let step = 0; step < MAX_STEPS; step++) {
    const { day, minute } = localWeekMinute(at, timeZone)
    const intoMinuteMs = at % MIN // zones offset by whole minutes: local seconds equal UTC seconds
    const range = (hours[day] ?? []).find(([from, to]) => minute >= from && minute < to)
    if (range !== undefined) {
      const availableMs = (range[1] - minute) * MIN - intoMinuteMs
      if (leftMs <= availableMs) return at + leftMs
      leftMs -= availableMs
      at += availableMs
      continue
    }
    // outside the hours: on to the next range's start, as a wall time (right across a DST change)
    const next = nextStart(hours, day, minute)
    const w = wallTimeOf(at, timeZone)
    const target = zonedToUtc({ year: w.year, month: w.month, day: w.day + next.daysAhead, hour: Math.floor(next.minute / 60), minute: next.minute % 60, second: 0 }, timeZone)
    at = target > at ? target : at + MIN - intoMinuteMs // never stand still
  }
  return null
}

/** The next start of a range after (day, minute): how many days ahead, at which minute of that day. */
function nextStart (hours: WeekHours, day: number, minute: number): { daysAhead: number, minute: number } {
  for (let ahead = 0; ahead <= 7; ahead++) {
    const starts = (hours[(day + ahead) % 7] ?? []).map(([from]) => from).filter((from) => ahead > 0 || from > minute).sort((a, b) => a - b)
    const first = starts[0]
    if (first !== undefined) return { daysAhead: ahead, minute: first }
  }
  return { daysAhead: 1, minute: 0 } // not reached: the caller checked that some day has hours
}
