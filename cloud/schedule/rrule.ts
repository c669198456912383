// Occurrences of a recurring event (RFC 5545 §3.3.10), for the rules a consultation schedule uses:
// FREQ=DAILY or WEEKLY, with INTERVAL, COUNT, UNTIL and BYDAY (weekly: which weekdays; daily: a
// filter). Occurrences keep the wall-clock time of DTSTART in its zone, so a weekly 09:30 course
// stays at 09:30 across the change to and from summer time. Other rules (MONTHLY, BYSETPOS …) are
// reported as unsupported and the caller imports only the first occurrence. Pure.
import { zonedToUtc, type WallTime } from './zoned-time.js'

export interface Rrule {
  freq: 'DAILY' | 'WEEKLY'
  interval: number
  count: number | null
  /** Inclusive, as an instant. */
  until: number | null
  /** 0 = Sunday … 6 = Saturday. */
  byDay: number[] | null
}

const DAY_CODES = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA']
const SUPPORTED = new Set(['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY', 'WKST'])

/** The rule, or a sentence saying why it is not supported. */
export function parseRrule (value: string, zone: string): Rrule | string {
  const parts = new Map<string, string>()
  for (const kv of value.split(';')) {
    const [k, v] = kv.split('=')
    if (k !== undefined && v !== undefined && k !== '') parts.set(k.toUpperCase(), v.toUpperCase())
  }
  const freq = parts.get('FREQ')
  if (freq !== 'DAILY' && freq !== 'WEEKLY') return `FREQ=${freq ?? '(none)'} is not supported (DAILY and WEEKLY are)`
  for (const k of parts.keys()) if (!SUPPORTED.has(k)) return `${k} is not supported`
  const interval = Number(parts.get('INTERVAL') ?? '1')
  if (!Number.isInteger(interval) || interval < 1) return `INTERVAL=${parts.get('INTERVAL')} is not a positive whole number`
  const countText = parts.get('COUNT')
  const count = countText !== undefined ? Number(countText) : null
  if (count !== null && (!Number.isInteger(count) || count < 1)) return `COUNT=${countText} is not a positive whole number`
  let until: number | null = null
  const u = parts.get('UNTIL')
  if (u !== undefined) {
    const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(u)
    if (m === null) return `UNTIL=${u} is not a date`
    const wall: WallTime = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4] ?? 23), minute: Number(m[5] ?? 59), second: Number(m[6] ?? 59) }
    until = m[7] === 'Z' ? Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second) : zonedToUtc(wall, zone)
  }
  let byDay: number[] | null = null
  const b = parts.get('BYDAY')
  if (b !== undefined) {
    byDay = []
    for (const code of b.split(',')) {
      const i = DAY_CODES.indexOf(code)
      if (i === -1) return `BYDAY=${code} is not supported (plain weekdays such as MO,WE are)`
      byDay.push(i)
    }
  }
  return { freq, interval, count, until, byDay }
}

function addDays (w: WallTime, days: number): WallTime {
  const d = new Date(Date.UTC(w.year, w.month - 1, w.day + days))
  return { ...w, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }
}

function weekday (w: WallTime): number {
  return new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay()
}

/**
 * Occurrence start instants from DTSTART (always the first, §3.8.5.3) up to `endBefore`, COUNT
 * counted before exceptions are taken out (the caller removes EXDATEs), at most `max` of them.
 */
export function occurrences (rule: Rrule, start: WallTime, zone: string, endBefore: number, max = 2000): number[] {
  const out: number[] = []
  let counted = 0
  const emit = (w: WallTime): boolean => {
    const at = zonedToUtc(w, zone)
    if (rule.until !== null && at > rule.until) return false
    if (at >= endBefore) return false
    counted++
    out.push(at)
    return !(rule.count !== null && counted >= rule.count) && out.length < max
  }
  const first = zonedToUtc(start, zone)
  if (rule.freq === 'DAILY') {
    for (let i = 0; i < 100_000; i += rule.interval) {
      const w = addDays(start, i)
      if (rule.byDay !== null && !rule.byDay.includes(weekday(w))) continue
      if (!emit(w)) break
    }
  } else {
    // weeks start on Monday (WKST default); DTSTART's week is the first
    const days = rule.byDay ?? [weekday(start)]
    const monday = addDays(start, -((weekday(start) + 6) % 7))
    const order = [...days].sort((a, b) => ((a + 6) % 7) - ((b + 6) % 7))
    outer: for (let week = 0; week < 20_000; week += rule.interval) {
      for (const d of order) {
        const w = addDays(monday, week * 7 + ((d + 6) % 7))
        if (zonedToUtc(w, zone) < first) continue
        if (!emit(w)) break outer
      }
    }
  }
  if (out[0] !== first && first < endBefore && (rule.until === null || first <= rule.until)) out.unshift(first) // DTSTART not on a BYDAY still counts
  return out
}
