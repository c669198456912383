// Parser of generic `key=value` lines, for sensors that print their values that way (many
// thermometers, scales and OEM boards do): which keys matter, what they are called here, their unit
// and plausible range come from the device's config (`fieldMap`). Fields may be separated by blanks,
// commas or semicolons; a number may carry its unit (`98%`, `36.6C`); dashes or nothing mean no
// value. Keys not in the map are skipped; a line with none of the mapped keys is garbage.
import { finishReading, garbage, isNoValue, lineText, type LineParser } from './line-result.js'
import { SENSOR_VALUES, isSensorValueName } from './sensor-values.js'

export interface KvField {
  /** The value's name in readings, e.g. `spo2`; well-known names keep their catalogue unit and range. */
  name: string
  unit: string
  min?: number
  max?: number
}

export type KvFieldMap = Record<string, KvField>

function valueOf (text: string): number | null | undefined {
  if (text === '' || isNoValue(text)) return null
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*[^\d\s=]{0,8}$/.exec(text)
  return m?.[1] !== undefined ? Number(m[1]) : undefined
}

/** The range of a mapped field: its own min/max, else the catalogue's for a well-known name. */
function rangeOf (field: KvField): { min: number, max: number } | undefined {
  const known = isSensorValueName(field.name) ? SENSOR_VALUES[field.name] : undefined
  const min = field.min ?? known?.min
  const max = field.max ?? known?.max
  if (min === undefined && max === undefined) return undefined
  return { min: min ?? -Infinity, max: max ?? Infinity }
}

export function createKvLineParser (fieldMap: KvFieldMap): LineParser {
  // Keys match exactly first, then ignoring case: devices are not consistent about SPO2 vs SpO2.
  const byKey = new Map(Object.entries(fieldMap))
  const byLowerKey = new Map(Object.entries(fieldMap).map(([key, field]) => [key.toLowerCase(), field]))
  const ranges = Object.fromEntries(Object.values(fieldMap).map((field) => [field.name, rangeOf(field)]))

  return (line) => {
    const text = lineText(line)
    if (text === '') return { kind: 'ignored', why: 'empty line' }
    if (/[\x00-\x08\x0b-\x1f\x7f]/.test(text)) return garbage('control characters in the line (wrong baud rate?)')
    const values: Record<string, number | null> = {}
    const units: Record<string, string> = {}
    const unreadable: string[] = []
    for (const token of text.split(/[\s,;]+/)) {
      const eq = token.indexOf('=')
      if (eq <= 0) continue
      const key = token.slice(0, eq)
      const field = byKey.get(key) ?? byLowerKey.get(key.toLowerCase())
      if (field === undefined || Object.hasOwn(values, field.name)) continue
      const value = valueOf(token.slice(eq + 1))
      values[field.name] = value ?? null
      units[field.name] = field.unit
      if (value === undefined) unreadable.push(field.name)
    }
    if (Object.keys(values).length === 0) return garbage(`none of the configured keys (${Object.keys(fieldMap).slice(0, 8).join(', ')}) in the line`)
    const reading = finishReading({ values, units, conditions: [] }, ranges)
    // A value that is not a number is shown as missing and flagged, the rest of the line still counts.
    const invalid = new Set([...reading.invalid, ...unreadable])
    return { kind: 'reading', reading: { ...reading, invalid: Object.keys(values).filter((name) => invalid.has(name)) } }
  }
}
