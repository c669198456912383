// Parser of Nonin real-time ASCII lines (7500, 8500, 2500 PalmSAT, 9847, BT4000 …), sent once per
// second: `SPO2=XXX HR=YYY`, where `---` means no value. Variants from the operator's manuals: an
// `HH:MM:SS ` prefix (9847, 8600V), a trailing ` F` for fast-responding values (BT4000), ` B` for a
// detected breath (9847), and `*` at the end when ON/STANDBY marks an event. At power-up the device
// prints a header with model, date and time; it is skipped, not counted as garbage.
import { finishReading, garbage, hasNonPrintableAscii, isNoValue, lineText, type LineResult } from './line-result.js'
import { SENSOR_VALUES } from './sensor-values.js'

export const NONIN_VENDOR = 'Nonin'

function valueOf (text: string): number | null | undefined {
  if (isNoValue(text)) return null
  if (/^\d{1,3}$/.test(text)) return Number(text)
  return undefined
}

export function parseNoninLine (line: string): LineResult {
  let text = lineText(line)
  if (text === '') return { kind: 'ignored', why: 'empty line' }
  if (hasNonPrintableAscii(text)) return garbage('bytes that are not printable ASCII (wrong baud rate or serial mode?)')
  if (!text.includes('=') && /nonin/i.test(text)) return { kind: 'ignored', why: 'power-up header' }
  const event = text.endsWith('*')
  if (event) text = text.slice(0, -1).trimEnd()
  const tokens = text.split(/ +/)
  if (/^\d\d:\d\d:\d\d$/.test(tokens[0] ?? '')) tokens.shift()
  const [spo2Token, hrToken, ...suffixes] = tokens
  const spo2Raw = /^SPO2=(.*)$/.exec(spo2Token ?? '')?.[1]
  const hrRaw = /^HR=(.*)$/.exec(hrToken ?? '')?.[1]
  if (spo2Raw === undefined || hrRaw === undefined) return garbage('not a "SPO2=XXX HR=YYY" line')
  const bad = suffixes.find((s) => s !== 'F' && s !== 'B')
  if (bad !== undefined) return garbage(`unexpected "${bad.slice(0, 20)}" after HR=`)
  const spo2 = valueOf(spo2Raw)
  const pulse = valueOf(hrRaw)
  if (spo2 === undefined) return garbage(`SPO2 value "${spo2Raw.slice(0, 20)}" is not a number`)
  if (pulse === undefined) return garbage(`HR value "${hrRaw.slice(0, 20)}" is not a number`)
  return {
    kind: 'reading',
    reading: finishReading({
      values: { spo2, pulse },
      units: { spo2: SENSOR_VALUES.spo2.unit, pulse: SENSOR_VALUES.pulse.unit },
      conditions: event ? ['event-marker'] : [],
      info: { vendor: NONIN_VENDOR }
    }, SENSOR_VALUES)
  }
}
