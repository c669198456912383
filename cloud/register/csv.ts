// The register as CSV, for procurement and audits: one row per item, RFC 4180 (fields with the
// separator, quotes or line breaks quoted, quotes doubled, CRLF line ends), UTF-8 with a byte order
// mark so that Excel reads æ, ø and å. Comma by default; `semicolon` for a Norwegian Excel, which
// expects it. A cell that a spreadsheet would run as a formula (starting with = + - @, tab or CR)
// gets a leading apostrophe (OWASP, "CSV injection") — a phone number "+47 …" too, which a
// spreadsheet would otherwise turn into a formula error. Pure.
import { dayText } from './calibration.js'
import type { RegisterEntryView } from './register-view.js'

export type CsvSeparator = 'comma' | 'semicolon'

const COLUMNS: Array<[string, (e: RegisterEntryView) => string | number | null]> = [
  ['room', (e) => e.room],
  ['room_name', (e) => e.roomName],
  ['item', (e) => e.item],
  ['id', (e) => e.id],
  ['name', (e) => e.name],
  ['device_kind', (e) => e.deviceKind],
  ['vendor', (e) => e.vendor],
  ['model', (e) => e.model],
  ['serial', (e) => e.serial],
  ['firmware', (e) => e.firmware],
  ['hardware', (e) => e.hardware],
  ['owner', (e) => e.owner?.id ?? null],
  ['owner_name', (e) => e.owner?.name.nb ?? null],
  ['maintainer', (e) => e.maintainer?.id ?? null],
  ['maintainer_name', (e) => e.maintainer?.name.nb ?? null],
  ['support_phone', (e) => e.contact?.phone ?? null],
  ['support_email', (e) => e.contact?.email ?? null],
  ['service_hours', (e) => e.serviceHours === null ? null : typeof e.serviceHours === 'string' ? e.serviceHours : Object.entries(e.serviceHours).map(([d, h]) => `${d} ${h}`).join('; ')],
  ['response_minutes', (e) => e.responseMinutes],
  ['purchased', (e) => e.purchased],
  ['calibration_interval_days', (e) => e.calibration?.intervalDays ?? null],
  ['calibration_last', (e) => e.calibration?.last ?? null],
  ['calibration_due', (e) => e.calibration?.dueOn ?? null],
  ['calibration_state', (e) => e.calibration?.state ?? null],
  ['reported', (e) => e.reported ? 'yes' : 'no'],
  ['first_seen', (e) => iso(e.firstSeen)],
  ['last_seen', (e) => iso(e.lastSeen)],
  ['changes', (e) => e.changes.map((c) => `${dayText(new Date(c.at).toISOString().slice(0, 10), 'en')} ${c.field} ${c.from} → ${c.to}${c.expected ? '' : ' (unexpected)'}`).join('; ') || null],
  ['notes', (e) => e.notes]
]

function iso (ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString()
}

export function csvCell (value: string | number | null, separator: string): string {
  if (value === null) return ''
  let text = String(value)
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return text.includes(separator) || /["\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

export function registerCsv (entries: readonly RegisterEntryView[], separator: CsvSeparator = 'comma'): string {
  const sep = separator === 'semicolon' ? ';' : ','
  const lines = [COLUMNS.map(([name]) => name).join(sep)]
  for (const e of entries) lines.push(COLUMNS.map(([, get]) => csvCell(get(e), sep)).join(sep))
  return '\uFEFF' + lines.join('\r\n') + '\r\n'
}
