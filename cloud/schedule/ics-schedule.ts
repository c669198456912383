// A room's consultations from an iCalendar file: each VEVENT (and each occurrence of a recurring
// one, with EXDATEs and RECURRENCE-ID overrides applied) within [now, now + horizon] becomes
// `{ id, start, minutes, profile }` for the retained `schedule` topic. Pure.
//   id       the event's UID (with the occurrence's start for a series), hashed when too long — the
//            same event keeps its id across imports, so the gateway's check plan stays put
//   profile  the first of: a CATEGORIES value in the mapping, a mapping key found in SUMMARY, a
//            CATEGORIES value that is itself a profile name (lowercased), the default profile
//   title    only with includeTitle: SUMMARY often names the patient, and the schedule travels to
//            the room and sits retained in the broker
// Skipped, each with its reason: cancelled, all-day, already over, beyond the horizon, no profile.
import { createHash } from 'node:crypto'
import type { Consultation } from '../../protocol/messages.js'
import { IcsError, parseIcs, readEvents, type IcsEvent } from './ical.js'
import { occurrences, parseRrule } from './rrule.js'

export interface IcsImportOptions {
  now: number
  horizonDays: number
  /** For floating times and unknown TZIDs. */
  timezone: string
  /** CATEGORIES value or SUMMARY keyword → profile (keys compared case-insensitively). */
  profiles: Readonly<Record<string, string>>
  defaultProfile?: string
  includeTitle: boolean
  /** For events with neither DTEND nor DURATION. */
  defaultMinutes: number
  /** The schedule holds at most this many (the wire contract's limit). */
  maxConsultations?: number
}

export interface SkippedEvent {
  /** The UID, or "line N" when there is none. */
  event: string
  start: number | null
  reason: string
}

export interface IcsImportResult {
  schedule: Consultation[]
  skipped: SkippedEvent[]
  /** Things the caller should know (unknown TZIDs, unsupported recurrence, unreadable events). */
  warnings: string[]
  /** VEVENTs read (series count once). */
  events: number
}

const PROFILE_RE = /^[a-z0-9][a-z0-9_-]{0,99}$/
const MIN = 60_000

export { IcsError }

export function scheduleFromIcs (text: string, o: IcsImportOptions): IcsImportResult {
  const calendar = parseIcs(text)
  const { events, problems, unknownTzids } = readEvents(calendar, o.timezone)
  const warnings = [...problems]
  for (const tz of unknownTzids) warnings.push(`time zone "${tz}" is unknown here; its times were read as ${o.timezone}`)
  const horizonEnd = o.now + o.horizonDays * 24 * 60 * MIN
  const mapping = new Map(Object.entries(o.profiles).map(([k, v]) => [k.toLowerCase(), v]))
  const skipped: SkippedEvent[] = []
  const byId = new Map<string, Consultation>()

  // overrides of single occurrences: UID → occurrence start → the replacing event
  const overrides = new Map<string, Map<number, IcsEvent>>()
  for (const e of events) {
    if (e.recurrenceId === null || e.uid === null) continue
    const m = overrides.get(e.uid) ?? new Map<number, IcsEvent>()
    m.set(e.recurrenceId, e)
    overrides.set(e.uid, m)
  }

  const take = (e: IcsEvent, start: number, seriesStart: number | null): void => {
    const name = e.uid ?? `line ${e.line}`
    const skip = (reason: string): void => { skipped.push({ event: name, start, reason }) }
    if (e.status === 'CANCELLED') return skip('cancelled')
    const minutes = Math.round((e.durationMs ?? o.defaultMinutes * MIN) / MIN)
    if (start + minutes * MIN <= o.now) return skip('already over')
    if (start > horizonEnd) return skip(`more than ${o.horizonDays} days ahead`)
    if (minutes < 1 || minutes > 24 * 60) return skip(`lasts ${minutes} minutes (1–1440 allowed)`)
    const profile = profileOf(e, mapping, o.defaultProfile)
    if (profile === null) return skip('no profile: give it a CATEGORIES value that names a profile, or map its category or title in scheduleImport.profiles')
    const id = consultationId(e, seriesStart !== null ? start : null)
    const title = o.includeTitle && e.summary !== null ? e.summary.slice(0, 200) : undefined
    byId.set(id, { id, start, minutes, profile, ...(title !== undefined ? { title } : {}) })
  }

  for (const e of events) {
    if (e.recurrenceId !== null) continue // applied with its series below
    if (e.start.kind === 'date') {
      skipped.push({ event: e.uid ?? `line ${e.line}`, start: null, reason: 'an all-day event, not a consultation' })
      continue
    }
    if (e.rrule === null) {
      take(e, e.start.at, null)
      continue
    }
    const rule = parseRrule(e.rrule, e.start.zone)
    let starts: number[]
    if (typeof rule === 'string') {
      warnings.push(`${e.uid ?? `line ${e.line}`}: recurrence rule not supported (${rule}); only its first occurrence was imported`)
      starts = [e.start.at]
    } else {
      starts = occurrences(rule, e.start.wall, e.start.zone, horizonEnd + 1)
    }
    const exdates = new Set(e.exdates)
    const own = e.uid !== null ? overrides.get(e.uid) : undefined
    for (const at of starts) {
      if (exdates.has(at)) continue
      const override = own?.get(at)
      if (override !== undefined) {
        if (override.start.kind === 'date-time') take({ ...override, uid: e.uid }, override.start.at, at)
        own?.delete(at)
        continue
      }
      // an occurrence entirely in the past is simply history: not worth a "skipped" line each
      if (at + Math.round((e.durationMs ?? o.defaultMinutes * MIN) / MIN) * MIN <= o.now) continue
      take(e, at, at)
    }
    // overrides that moved an occurrence the rule no longer produces (or beyond what was expanded)
    for (const [at, override] of own ?? []) {
      if (override.start.kind === 'date-time' && !exdates.has(at)) take({ ...override, uid: e.uid }, override.start.at, at)
    }
    if (e.uid !== null) overrides.delete(e.uid)
  }
  // overrides whose series is not in the file: stand-alone events
  for (const m of overrides.values()) for (const [at, e] of m) if (e.start.kind === 'date-time') take(e, e.start.at, at)

  let schedule = [...byId.values()].sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : 1))
  const max = o.maxConsultations ?? 1000
  if (schedule.length > max) {
    warnings.push(`${schedule.length} consultations found; only the first ${max} were kept (shorten the horizon)`)
    schedule = schedule.slice(0, max)
  }
  return { schedule, skipped, warnings, events: events.length }
}

export function profileOf (e: Pick<IcsEvent, 'categories' | 'summary'>, mapping: ReadonlyMap<string, string>, defaultProfile?: string): string | null {
  for (const c of e.categories) {
    const mapped = mapping.get(c.toLowerCase())
    if (mapped !== undefined) return mapped
  }
  if (e.summary !== null) {
    const summary = e.summary.toLowerCase()
    for (const [key, profile] of mapping) if (key.length > 0 && summary.includes(key)) return profile
  }
  for (const c of e.categories) if (PROFILE_RE.test(c.toLowerCase())) return c.toLowerCase()
  return defaultProfile ?? null
}

/** The UID (plus the occurrence for a series); a hash when the UID is missing or too long. */
export function consultationId (e: Pick<IcsEvent, 'uid' | 'line' | 'start'>, occurrence: number | null): string {
  const suffix = occurrence !== null ? `/${new Date(occurrence).toISOString().replace(/[-:]|\.\d{3}/g, '')}` : ''
  const uid = e.uid ?? ''
  if (uid !== '' && uid.length + suffix.length <= 200) return uid + suffix
  const basis = uid !== '' ? uid : `${e.line}:${e.start.kind === 'date-time' ? e.start.at : ''}`
  return `ics-${createHash('sha256').update(basis).digest('hex').slice(0, 32)}${suffix}`
}
