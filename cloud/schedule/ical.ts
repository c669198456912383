// An iCalendar (RFC 5545) reader, as much as a consultation schedule needs: content lines are
// unfolded (§3.1: a line break followed by a space or tab continues the line; bare LF accepted as
// real files use it), split into name, parameters (quoted values may hold ":" ";" ",") and value,
// nested into components (BEGIN/END), and VEVENTs are read into events with their times resolved to
// UTC (DATE-TIME in UTC "Z", with TZID, or floating in the configured zone; DATE for all-day). Pure.
// No package for this was installed; this is the smallest reader that covers what calendar servers
// (Outlook/Exchange, Google, DIPS-like booking exports) write.
import { resolveTzid, zonedToUtc, type WallTime } from './zoned-time.js'

export interface IcsProperty {
  name: string
  params: Record<string, string>
  value: string
  /** 1-based line number of the (unfolded) line's start, for error messages. */
  line: number
}

export interface IcsComponent {
  name: string
  properties: IcsProperty[]
  components: IcsComponent[]
}

export class IcsError extends Error {
  constructor (message: string, readonly line?: number) {
    super(line !== undefined ? `line ${line}: ${message}` : message)
    this.name = 'IcsError'
  }
}

/** Logical lines with the physical line number each starts on. */
export function unfold (text: string): Array<{ text: string, line: number }> {
  const physical = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/)
  const out: Array<{ text: string, line: number }> = []
  physical.forEach((raw, i) => {
    if ((raw.startsWith(' ') || raw.startsWith('\t')) && out.length > 0) {
      out[out.length - 1]!.text += raw.slice(1)
    } else if (raw.length > 0) {
      out.push({ text: raw, line: i + 1 })
    }
  })
  return out
}

/** One content line: name *(";" param) ":" value (§3.1). */
export function parseContentLine (text: string, line: number): IcsProperty {
  let i = 0
  const nameMatch = /^[A-Za-z0-9-]+/.exec(text)
  if (nameMatch === null) throw new IcsError(`"${text.slice(0, 40)}" is not a content line (NAME:value)`, line)
  const name = nameMatch[0].toUpperCase()
  i = nameMatch[0].length
  const params: Record<string, string> = {}
  while (text[i] === ';') {
    i++
    const eq = text.indexOf('=', i)
    if (eq === -1) throw new IcsError(`parameter without "=" in ${name}`, line)
    const pname = text.slice(i, eq).toUpperCase()
    i = eq + 1
    const values: string[] = []
    for (;;) {
      if (text[i] === '"') {
        const close = text.indexOf('"', i + 1)
        if (close === -1) throw new IcsError(`unterminated quoted parameter value in ${name}`, line)
        values.push(text.slice(i + 1, close))
        i = close + 1
      } else {
        let j = i
        while (j < text.length && text[j] !== ';' && text[j] !== ':' && text[j] !== ',') j++
        values.push(text.slice(i, j))
        i = j
      }
      if (text[i] !== ',') break
      i++
    }
    params[pname] = values.join(',')
  }
  if (text[i] !== ':') throw new IcsError(`expected ":" after ${name}`, line)
  return { name, params, value: text.slice(i + 1), line }
}

/** The VCALENDAR of a calendar text. Throws IcsError for what is not iCalendar. */
export function parseIcs (text: string): IcsComponent {
  const lines = unfold(text)
  if (lines.length === 0) throw new IcsError('the calendar is empty')
  const root: IcsComponent = { name: '', properties: [], components: [] }
  const stack: IcsComponent[] = [root]
  for (const { text: t, line } of lines) {
    const p = parseContentLine(t, line)
    const top = stack[stack.length - 1]!
    if (p.name === 'BEGIN') {
      const c: IcsComponent = { name: p.value.trim().toUpperCase(), properties: [], components: [] }
      top.components.push(c)
      stack.push(c)
      if (stack.length > 20) throw new IcsError('components nested too deep', line)
    } else if (p.name === 'END') {
      if (stack.length === 1 || top.name !== p.value.trim().toUpperCase()) throw new IcsError(`END:${p.value} does not close BEGIN:${top.name || '(nothing)'}`, line)
      stack.pop()
    } else {
      if (stack.length === 1) throw new IcsError(`${p.name} outside of BEGIN:VCALENDAR`, line)
      top.properties.push(p)
    }
  }
  if (stack.length > 1) throw new IcsError(`BEGIN:${stack[stack.length - 1]!.name} is never closed`)
  const calendar = root.components.find((c) => c.name === 'VCALENDAR')
  if (calendar === undefined) throw new IcsError('no BEGIN:VCALENDAR: this is not an iCalendar file')
  return calendar
}

/** TEXT value unescaping (§3.3.11). */
export function unescapeText (value: string): string {
  return value.replace(/\\([\\;,nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c))
}

/** Splits a TEXT list on unescaped commas (CATEGORIES). */
export function splitTextList (value: string): string[] {
  const out: string[] = []
  let cur = ''
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!
    if (ch === '\\' && i + 1 < value.length) { cur += ch + value[i + 1]!; i++; continue }
    if (ch === ',') { out.push(cur); cur = ''; continue }
    cur += ch
  }
  out.push(cur)
  return out.map((s) => unescapeText(s).trim()).filter((s) => s.length > 0)
}

export type IcsTime =
  | { kind: 'date-time', at: number, wall: WallTime, zone: string }
  | { kind: 'date', wall: WallTime }

export interface TimeContext {
  /** Zone for floating times and unknown TZIDs. */
  fallbackZone: string
  /** TZID → X-LIC-LOCATION from the calendar's VTIMEZONEs. */
  licLocations: ReadonlyMap<string, string>
  /** TZIDs that could not be resolved (reported once per import). */
  unknownTzids: Set<string>
}

/** A DATE or DATE-TIME property value (§3.3.4, §3.3.5) as an instant (or a date). */
export function parseTime (p: IcsProperty, ctx: TimeContext): IcsTime {
  const v = p.value.trim()
  const date = /^(\d{4})(\d{2})(\d{2})$/.exec(v)
  if (date !== null || p.params.VALUE === 'DATE') {
    if (date === null) throw new IcsError(`${p.name} "${v}" is not a DATE (YYYYMMDD)`, p.line)
    return { kind: 'date', wall: { year: Number(date[1]), month: Number(date[2]), day: Number(date[3]), hour: 0, minute: 0, second: 0 } }
  }
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$/.exec(v)
  if (m === null) throw new IcsError(`${p.name} "${v}" is not a DATE-TIME (YYYYMMDDTHHMMSS[Z])`, p.line)
  const wall: WallTime = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]) }
  if (wall.month < 1 || wall.month > 12 || wall.day < 1 || wall.day > 31 || wall.hour > 23 || wall.minute > 59 || wall.second > 60) {
    throw new IcsError(`${p.name} "${v}" is not a valid time`, p.line)
  }
  if (m[7] === 'Z') return { kind: 'date-time', at: Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, Math.min(59, wall.second)), wall, zone: 'UTC' }
  let zone = ctx.fallbackZone
  const tzid = p.params.TZID
  if (tzid !== undefined) {
    const resolved = resolveTzid(tzid, ctx.licLocations)
    if (resolved !== null) zone = resolved
    else ctx.unknownTzids.add(tzid)
  }
  return { kind: 'date-time', at: zonedToUtc({ ...wall, second: Math.min(59, wall.second) }, zone), wall, zone }
}

/** A DURATION value (§3.3.6) in ms, e.g. PT30M, PT1H30M, P1D. */
export function parseDuration (value: string, line?: number): number {
  const m = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(value.trim())
  if (m === null || value.trim() === 'P' || value.trim().endsWith('T')) throw new IcsError(`"${value}" is not a DURATION (e.g. PT30M)`, line)
  const [, sign, w, d, h, mi, s] = m
  const ms = ((Number(w ?? 0) * 7 + Number(d ?? 0)) * 86_400 + Number(h ?? 0) * 3600 + Number(mi ?? 0) * 60 + Number(s ?? 0)) * 1000
  return sign === '-' ? -ms : ms
}

export interface IcsEvent {
  uid: string | null
  summary: string | null
  categories: string[]
  status: string | null
  start: IcsTime
  /** From DTEND or DURATION; null when neither is given. */
  durationMs: number | null
  rrule: string | null
  /** EXDATE instants. */
  exdates: number[]
  /** RECURRENCE-ID: this event replaces that occurrence of the series with the same UID. */
  recurrenceId: number | null
  line: number
}

/** The calendar's VEVENTs; an event that cannot be read is reported in `problems` and left out. */
export function readEvents (calendar: IcsComponent, fallbackZone: string): { events: IcsEvent[], problems: string[], unknownTzids: string[] } {
  const licLocations = new Map<string, string>()
  for (const tz of calendar.components.filter((c) => c.name === 'VTIMEZONE')) {
    const id = tz.properties.find((p) => p.name === 'TZID')?.value
    const lic = tz.properties.find((p) => p.name === 'X-LIC-LOCATION')?.value
    if (id !== undefined && lic !== undefined) licLocations.set(id, lic.trim())
  }
  const ctx: TimeContext = { fallbackZone, licLocations, unknownTzids: new Set() }
  const events: IcsEvent[] = []
  const problems: string[] = []
  for (const c of calendar.components) {
    if (c.name !== 'VEVENT') continue
    const prop = (name: string): IcsProperty | undefined => c.properties.find((p) => p.name === name)
    const line = c.properties[0]?.line ?? 0
    try {
      const dtstart = prop('DTSTART')
      if (dtstart === undefined) throw new IcsError('a VEVENT without DTSTART', line)
      const start = parseTime(dtstart, ctx)
      let durationMs: number | null = null
      const dtend = prop('DTEND')
      const duration = prop('DURATION')
      if (dtend !== undefined) {
        const end = parseTime(dtend, ctx)
        durationMs = end.kind === 'date-time' && start.kind === 'date-time' ? end.at - start.at : null
      } else if (duration !== undefined) {
        durationMs = parseDuration(duration.value, duration.line)
      }
      const exdates: number[] = []
      for (const p of c.properties.filter((x) => x.name === 'EXDATE')) {
        for (const v of p.value.split(',')) {
          const t = parseTime({ ...p, value: v }, ctx)
          if (t.kind === 'date-time') exdates.push(t.at)
        }
      }
      const rid = prop('RECURRENCE-ID')
      const ridTime = rid !== undefined ? parseTime(rid, ctx) : null
      events.push({
        uid: prop('UID')?.value.trim() ?? null,
        summary: prop('SUMMARY') !== undefined ? unescapeText(prop('SUMMARY')!.value) : null,
        categories: c.properties.filter((p) => p.name === 'CATEGORIES').flatMap((p) => splitTextList(p.value)),
        status: prop('STATUS')?.value.trim().toUpperCase() ?? null,
        start,
        durationMs,
        rrule: prop('RRULE')?.value.trim() ?? null,
        exdates,
        recurrenceId: ridTime?.kind === 'date-time' ? ridTime.at : null,
        line
      })
    } catch (err) {
      problems.push(err instanceof IcsError ? err.message : `line ${line}: ${(err as Error).message}`)
    }
  }
  return { events, problems, unknownTzids: [...ctx.unknownTzids] }
}
