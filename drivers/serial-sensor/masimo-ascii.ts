// Parser of Masimo Rad-8 / Radical-5 / Radical-7 serial lines in "ASCII 1" mode, e.g.
//   02/22/16 22:47:45 SN=0000056661 SPO2=098% BPM=097 PI=03.60% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- ALARM=0000 EXC=000800
// A timestamp, then KEY=VALUE fields; `--` means no value. The Radical-7 adds PVI= (and on colour
// models SPHB=, SPOC=, RESVD=, EXC1=); the Radical-5 sends no SN and shorter ALARM/EXC words.
// A line with any malformed field is garbage as a whole: at 9600 baud a flipped bit can turn 098
// into 0:8, and a line that is partly wrong is not trusted in part.
import { decodeAlarms, decodeExceptions } from './masimo-flags.js'
import { finishReading, garbage, hasNonPrintableAscii, isNoValue, lineText, type LineResult } from './line-result.js'
import { SENSOR_VALUES, type SensorValueName } from './sensor-values.js'

/** Masimo field → our value name. */
const VALUE_FIELDS: Record<string, SensorValueName> = {
  SPO2: 'spo2',
  BPM: 'pulse',
  PI: 'pi',
  PVI: 'pvi',
  SPCO: 'spco',
  SPMET: 'spmet',
  SPHB: 'sphb',
  SPOC: 'spoc',
  DESAT: 'desat',
  PIDELTA: 'pidelta'
}
const FLAG_FIELDS = ['ALARM', 'EXC', 'EXC1'] as const

export const MASIMO_VENDOR = 'Masimo'

/** MM/dd/yy HH:mm:ss with fields in range; the device's clock, not ours. */
function isMasimoTimestamp (date: string | undefined, time: string | undefined): boolean {
  const d = /^(\d\d)\/(\d\d)\/(\d\d)$/.exec(date ?? '')
  const t = /^(\d\d):(\d\d):(\d\d)$/.exec(time ?? '')
  if (d === null || t === null) return false
  const [month, day] = [Number(d[1]), Number(d[2])]
  const [hour, minute, second] = [Number(t[1]), Number(t[2]), Number(t[3])]
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 59
}

/** Splits `KEY=VALUE` tokens; null with the offending token when one is malformed or repeated. */
function fieldsOf (tokens: string[]): { fields: Map<string, string> } | { bad: string } {
  const fields = new Map<string, string>()
  for (const token of tokens) {
    const eq = token.indexOf('=')
    const key = eq > 0 ? token.slice(0, eq) : ''
    if (!/^[A-Z][A-Z0-9]*$/.test(key)) return { bad: `malformed field "${token.slice(0, 40)}"` }
    if (fields.has(key)) return { bad: `field ${key} appears twice` }
    fields.set(key, token.slice(eq + 1))
  }
  return { fields }
}

/** A value field: `098%`, `03.60%`, `-02`, `+05`, or dashes for none (sometimes with a stray `%`). */
function valueOf (text: string): number | null | undefined {
  const bare = text.endsWith('%') ? text.slice(0, -1) : text
  if (isNoValue(bare)) return null
  if (/^[+-]?\d+(\.\d+)?$/.test(bare)) return Number(bare)
  return undefined
}

export function parseMasimoLine (line: string): LineResult {
  const text = lineText(line)
  if (text === '') return { kind: 'ignored', why: 'empty line' }
  if (hasNonPrintableAscii(text)) return garbage('bytes that are not printable ASCII (wrong baud rate or serial mode?)')
  const [date, time, ...tokens] = text.split(/ +/)
  if (!isMasimoTimestamp(date, time)) return garbage('no MM/dd/yy HH:mm:ss timestamp at the start')
  const split = fieldsOf(tokens)
  if ('bad' in split) return garbage(split.bad)
  const { fields } = split
  if (!fields.has('SPO2') || !fields.has('BPM')) return garbage(`missing ${fields.has('SPO2') ? 'BPM' : 'SPO2'}= field`)

  const values: Record<string, number | null> = {}
  const units: Record<string, string> = {}
  for (const [field, name] of Object.entries(VALUE_FIELDS)) {
    const raw = fields.get(field)
    if (raw === undefined) continue
    const value = valueOf(raw)
    if (value === undefined) return garbage(`${field} value "${raw.slice(0, 20)}" is not a number`)
    values[name] = value
    units[name] = SENSOR_VALUES[name].unit
  }

  const conditions: string[] = []
  const flags: string[] = []
  for (const field of FLAG_FIELDS) {
    const raw = fields.get(field)
    if (raw === undefined) continue
    if (!/^[0-9A-Fa-f]{1,8}$/.test(raw)) return garbage(`${field} "${raw.slice(0, 20)}" is not a hex bit field`)
    flags.push(`${field}=${raw}`)
    const bits = parseInt(raw, 16)
    // EXC1's bits are not documented anywhere we could find: kept in flags for IT, not decoded.
    if (field === 'EXC') conditions.push(...decodeExceptions(bits).conditions)
    if (field === 'ALARM') conditions.push(...decodeAlarms(bits).conditions)
  }

  const sn = fields.get('SN')
  if (sn !== undefined && !/^[0-9A-Za-z]+$/.test(sn) && !isNoValue(sn)) return garbage(`SN "${sn.slice(0, 20)}" is not a serial number`)
  const serial = sn !== undefined && !isNoValue(sn) ? sn : undefined

  return {
    kind: 'reading',
    reading: finishReading({
      values,
      units,
      conditions,
      info: serial !== undefined ? { vendor: MASIMO_VENDOR, serial } : { vendor: MASIMO_VENDOR },
      deviceTime: `${date} ${time}`,
      ...(flags.length > 0 ? { flags: flags.join(' ') } : {})
    }, SENSOR_VALUES)
  }
}
