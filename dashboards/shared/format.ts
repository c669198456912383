// Times as people in the rooms say them: a wall clock in the room's time zone ("09:30"), a
// countdown ("om 25 min") and an age ("12 s siden"). Pure functions of a timestamp and `now`, so the
// pages re-render them from one ticking clock.
import type { Lang } from './i18n.js'

export const OSLO = 'Europe/Oslo'

const clockFormats = new Map<string, Intl.DateTimeFormat>()
function clockFormat (lang: Lang, timeZone: string, withDate: boolean): Intl.DateTimeFormat {
  const key = `${lang}|${timeZone}|${String(withDate)}`
  let f = clockFormats.get(key)
  if (f === undefined) {
    f = new Intl.DateTimeFormat(lang === 'nb' ? 'nb-NO' : 'en-GB', {
      hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone,
      ...(withDate ? { day: 'numeric', month: 'short' } : {})
    })
    clockFormats.set(key, f)
  }
  return f
}

/** "09:30" — and the date too when it is not today in that zone. */
export function clock (ts: number, lang: Lang, timeZone = OSLO, now = Date.now()): string {
  return clockFormat(lang, timeZone, !sameDay(ts, now, timeZone)).format(ts)
}

/** "09:30", never with the date. */
export function hhmm (ts: number, lang: Lang, timeZone = OSLO): string {
  return clockFormat(lang, timeZone, false).format(ts)
}

/** "24. nov., 09:30" / "24 Nov, 09:30": a moment on another day, or in a chart's legend. */
export function dateTime (ts: number, lang: Lang, timeZone = OSLO): string {
  return clockFormat(lang, timeZone, true).format(ts)
}

const dayMonthFormats = new Map<string, Intl.DateTimeFormat>()
/** "24. nov." / "24 Nov". */
export function dayMonth (ts: number, lang: Lang, timeZone = OSLO): string {
  const key = `${lang}|${timeZone}`
  let f = dayMonthFormats.get(key)
  if (f === undefined) dayMonthFormats.set(key, f = new Intl.DateTimeFormat(lang === 'nb' ? 'nb-NO' : 'en-GB', { day: 'numeric', month: 'short', timeZone }))
  return f.format(ts)
}

/** Whether two moments fall on the same calendar day in the zone. */
export function sameDay (a: number, b: number, timeZone = OSLO): boolean {
  return dayKey(a, timeZone) === dayKey(b, timeZone)
}

const dayFormats = new Map<string, Intl.DateTimeFormat>()
function dayKey (ts: number, timeZone: string): string {
  let f = dayFormats.get(timeZone)
  if (f === undefined) dayFormats.set(timeZone, f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }))
  return f.format(ts)
}

/** A span as "45 s", "12 min", "1 t 5 min", "3 d". */
export function span (ms: number, lang: Lang): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min`
  const h = Math.floor(m / 60)
  if (h < 48) {
    const rest = m % 60
    const hour = lang === 'nb' ? 't' : 'h'
    return rest === 0 ? `${h} ${hour}` : `${h} ${hour} ${rest} min`
  }
  return `${Math.floor(h / 24)} d`
}

/** "om 25 min" / "in 25 min", "nå" when due, "startet for 5 min siden" once begun. */
export function until (ts: number, lang: Lang, now = Date.now()): string {
  const ms = ts - now
  if (Math.abs(ms) < 30_000) return lang === 'nb' ? 'nå' : 'now'
  if (ms > 0) return lang === 'nb' ? `om ${span(ms, lang)}` : `in ${span(ms, lang)}`
  return lang === 'nb' ? `startet for ${span(-ms, lang)} siden` : `started ${span(-ms, lang)} ago`
}

/** "12 s siden" / "12 s ago". */
export function ago (ts: number, lang: Lang, now = Date.now()): string {
  return lang === 'nb' ? `${span(now - ts, lang)} siden` : `${span(now - ts, lang)} ago`
}

/** A number with at most `digits` decimals, in the language's style ("1,5" in bokmål). */
export function num (value: number, lang: Lang, digits = 1): string {
  const text = (Math.round(value * 10 ** digits) / 10 ** digits).toString()
  return lang === 'nb' ? text.replace('.', ',') : text
}

/** A number with exactly `digits` decimals ("0,40" in bokmål), for figures read side by side. */
export function fixed (value: number, lang: Lang, digits: number): string {
  const text = value.toFixed(digits)
  return lang === 'nb' ? text.replace('.', ',') : text
}

/** Every decimal number in a text the language's way ("5.73 ms / 0 %" → "5,7 ms / 0 %"), at most `digits` decimals. */
export function localNumbers (text: string, lang: Lang, digits = 1): string {
  return text.replace(/-?\d+\.\d+/g, (n) => num(Number(n), lang, digits))
}
