// Wall-clock time in a named time zone ↔ UTC instants, with the platform's time zone database
// (Intl), and the TZID names calendars use. Pure.
//   - A wall time that happens twice (the autumn hour) is taken at its first occurrence; one that does
//     not happen (the spring gap) is moved forward by the gap, as RFC 5545 §3.3.5 says.
//   - Outlook writes Windows zone names ("W. Europe Standard Time"); the common ones in Norway and its
//     neighbours are mapped to IANA names here, others fall back to the configured zone (and say so).

export interface WallTime {
  year: number
  month: number // 1–12
  day: number
  hour: number
  minute: number
  second: number
}

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter (timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
    formatters.set(timeZone, f)
  }
  return f
}

export function wallTimeOf (at: number, timeZone: string): WallTime {
  const parts = formatter(timeZone).formatToParts(at)
  const n = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0)
  return { year: n('year'), month: n('month'), day: n('day'), hour: n('hour') % 24, minute: n('minute'), second: n('second') }
}

/** The zone's offset from UTC at instant `at`, in ms (Oslo in winter: +3600000). */
export function offsetAt (at: number, timeZone: string): number {
  const w = wallTimeOf(at, timeZone)
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second)
  return asUtc - Math.floor(at / 1000) * 1000
}

export function zonedToUtc (w: WallTime, timeZone: string): number {
  const naive = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second)
  // Two passes find the offset in force at the wall time. Try the earlier offset first, so an
  // ambiguous wall time resolves to its first occurrence.
  const before = offsetAt(naive - 86_400_000 / 2, timeZone)
  const after = offsetAt(naive + 86_400_000 / 2, timeZone)
  for (const off of before >= after ? [before, after] : [after, before]) {
    const at = naive - off
    if (offsetAt(at, timeZone) === off) return at
  }
  // In the gap: no instant has this wall time. Use the offset before the gap (moves it forward).
  return naive - before
}

export function isTimeZone (name: string): boolean {
  try {
    formatter(name)
    return true
  } catch {
    return false
  }
}

/** Windows time zone names (as Outlook and Exchange write them) → IANA. */
const windowsZones: Record<string, string> = {
  'W. Europe Standard Time': 'Europe/Berlin',
  'Romance Standard Time': 'Europe/Paris',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Central European Standard Time': 'Europe/Warsaw',
  'GMT Standard Time': 'Europe/London',
  'Greenwich Standard Time': 'Atlantic/Reykjavik',
  'FLE Standard Time': 'Europe/Helsinki',
  'E. Europe Standard Time': 'Europe/Chisinau',
  'UTC': 'UTC',
  'Coordinated Universal Time': 'UTC'
}

/**
 * The IANA zone a TZID names: the TZID itself when the platform knows it, a mapped Windows name, the
 * X-LIC-LOCATION of its VTIMEZONE, or null (the caller falls back and warns).
 */
export function resolveTzid (tzid: string, licLocations: ReadonlyMap<string, string> = new Map()): string | null {
  const cleaned = tzid.replace(/^\/+/, '').replace(/^"|"$/g, '')
  if (isTimeZone(cleaned) && /\//.test(cleaned)) return cleaned
  const mapped = windowsZones[cleaned]
  if (mapped !== undefined) return mapped
  const lic = licLocations.get(tzid)
  if (lic !== undefined && isTimeZone(lic)) return lic
  if (isTimeZone(cleaned)) return cleaned // e.g. "UTC"
  return null
}
