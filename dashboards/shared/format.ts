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
  const sameDay = dayKey(ts, timeZone) === dayKey(now, timeZone)
  return clockFormat(lang, timeZone, !sameDay).format(ts)
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
