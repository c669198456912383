// Opening hours of a room — when someone is there to act on an incident — and whether a moment
// falls inside them, in the room's time zone. Pure. Outside them incidents are recorded, not
// notified (quiet hours). Format: `{ "mon-fri": "08:00-16:00", "sat": "10:00-13:00" }`; day keys are
// a day, a range (mon-fri, fri-mon wraps) or a list (sat,sun); a value is one or more ranges
// ("08:00-11:30,12:00-16:00"), "closed", or a range past midnight ("22:00-06:00": until 06:00 the next
// morning). "always" means no quiet hours. A day named twice: the later key wins.

import { dateTimeFormat } from '../date-format.js'

export const OPENING_HOURS_DAYS_PATTERN = '^(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?(,(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?)*$'
export const OPENING_HOURS_TIMES_PATTERN = '^(closed|([01]\\d|2[0-4]):[0-5]\\d-([01]\\d|2[0-4]):[0-5]\\d(,([01]\\d|2[0-4]):[0-5]\\d-([01]\\d|2[0-4]):[0-5]\\d)*)$'

export type OpeningHoursSpec = 'always' | Record<string, string>

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const

/** Minutes-of-day ranges per weekday (0 = Sunday), end exclusive; an overnight range is split. */
export type WeekHours = Array<Array<[number, number]>>

export function parseOpeningHours (spec: OpeningHoursSpec): WeekHours | 'always' {
  if (spec === 'always') return 'always'
  const week: WeekHours = DAYS.map(() => [])
  const assigned: Array<Array<[number, number]> | null> = DAYS.map(() => null)
  for (const [daysKey, times] of Object.entries(spec)) {
    const ranges = parseTimes(times, daysKey)
    for (const day of parseDays(daysKey)) assigned[day] = ranges
  }
  assigned.forEach((ranges, day) => {
    for (const [from, to] of ranges ?? []) {
      if (to > from) week[day]!.push([from, to])
      else if (to < from) { // past midnight: the rest of this day, and the start of the next
        week[day]!.push([from, 24 * 60])
        week[(day + 1) % 7]!.push([0, to])
      }
    }
  })
  return week
}

function parseDays (key: string): number[] {
  const out: number[] = []
  for (const part of key.split(',')) {
    const [a, b] = part.split('-') as [string, string | undefined]
    const from = dayIndex(a, key)
    const to = b !== undefined ? dayIndex(b, key) : from
    for (let d = from; ; d = (d + 1) % 7) {
      out.push(d)
      if (d === to) break
    }
  }
  return out
}

function dayIndex (name: string, key: string): number {
  const i = DAYS.indexOf(name as typeof DAYS[number])
  if (i === -1) throw new TypeError(`opening hours: "${key}" is not a day or days (mon, mon-fri, sat,sun)`)
  return i
}

function parseTimes (value: string, key: string): Array<[number, number]> {
  if (value === 'closed') return []
  return value.split(',').map((range) => {
    const m = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(range)
    if (m === null) throw new TypeError(`opening hours of ${key}: "${value}" is not "HH:MM-HH:MM" or "closed"`)
    const from = Number(m[1]) * 60 + Number(m[2])
    const to = Number(m[3]) * 60 + Number(m[4])
    if (from > 24 * 60 || to > 24 * 60) throw new TypeError(`opening hours of ${key}: "${range}" is past 24:00`)
    return [from, to] as [number, number]
  })
}

/** Weekday (0 = Sunday) and minute of the day of `at` in `timeZone`. */
export function localWeekMinute (at: number, timeZone: string): { day: number, minute: number } {
  const parts = dateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at)
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? ''
  const day = DAYS.indexOf(get('weekday').toLowerCase().slice(0, 3) as typeof DAYS[number])
  return { day, minute: Number(get('hour')) * 60 + Number(get('minute')) }
}

/** Whether `at` is inside the opening hours (no hours given: always open). */
export function isOpen (hours: WeekHours | 'always' | undefined, at: number, timeZone: string): boolean {
  if (hours === undefined || hours === 'always') return true
  const { day, minute } = localWeekMinute(at, timeZone)
  return (hours[day] ?? []).some(([from, to]) => minute >= from && minute < to)
}
