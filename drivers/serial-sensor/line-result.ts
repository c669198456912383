// What a protocol parser makes of one line: a reading, a line to skip on purpose (a blank line, a
// power-up header), or garbage with the reason why. Parsers are pure: a string in, this out.
import { PRIMARY_VALUES, implausibleValues, type ValueSpec } from './sensor-values.js'
import { valuesInvalidatedBy } from './sensor-conditions.js'

export interface SensorReading {
  /** null: the device sent "no value" (Masimo `--`, Nonin `---`). */
  values: Record<string, number | null>
  units: Record<string, string>
  /** Values that are implausible or that the device's own conditions make untrustworthy. */
  invalid: string[]
  /** Device conditions named in kebab-case, e.g. `sensor-off-patient` (see sensor-conditions.ts). */
  conditions: string[]
  /** What the line tells about the device itself (Masimo sends its serial number on every line). */
  info?: { vendor?: string, serial?: string }
  /** The device's own clock as it printed it; devices are rarely set right, so only for display. */
  deviceTime?: string
  /** The raw status words, e.g. `ALARM=0000 EXC=000800`, for IT to look up. */
  flags?: string
}

export type LineResult =
  | { kind: 'reading', reading: SensorReading }
  | { kind: 'ignored', why: string }
  | { kind: 'garbage', why: string }

export type LineParser = (line: string) => LineResult

export function garbage (why: string): LineResult {
  return { kind: 'garbage', why }
}

/** Bytes outside printable ASCII: what a wrong baud rate or a loose connector produces. */
export function hasNonPrintableAscii (text: string): boolean {
  return /[^\x20-\x7e]/.test(text)
}

/** The line without its CR/LF and surrounding blanks. */
export function lineText (line: string): string {
  return line.replace(/^[\r\n\s]+|[\r\n\s]+$/g, '')
}

/** "No value" as devices print it: `-`, `---`, `--.-`, `+--` (a sign, then dashes). */
export function isNoValue (text: string): boolean {
  return /^[+-]?-+(\.-+)?$/.test(text)
}

/**
 * Completes a reading: adds `no-signal` when neither SpO2 nor pulse came (only for lines that carry
 * them), and lists as invalid whatever is implausible or untrustworthy under the line's conditions.
 */
export function finishReading (reading: Omit<SensorReading, 'invalid'>, ranges: Record<string, Pick<ValueSpec, 'min' | 'max'> | undefined>): SensorReading {
  const names = Object.keys(reading.values)
  const primary = names.filter((name) => PRIMARY_VALUES.includes(name))
  const conditions = [...reading.conditions]
  const silent = primary.length > 0 ? primary.every((name) => reading.values[name] === null) : names.every((name) => reading.values[name] === null)
  if (silent && valuesInvalidatedBy(conditions, names).length === 0) conditions.push('no-signal')
  const invalid = new Set([...implausibleValues(reading.values, ranges), ...valuesInvalidatedBy(conditions, names)])
  return { ...reading, conditions, invalid: names.filter((name) => invalid.has(name)) }
}
