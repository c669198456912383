// Live readings as tiles (pure): which values a room's sensors give, named as a clinician reads them,
// ordered by importance, with blood pressure joined into one tile; each tile knows its age, whether
// the device flagged it invalid, and the device condition (probe off, searching for pulse …) that
// replaces the number when the device says there is nothing to trust.
import type { Localized } from '../shared/i18n.js'

export interface ReadingSample {
  /** When it was measured (ms); for live readings, when it reached this browser. */
  at: number
  values: Record<string, number | string | null>
  units: Record<string, string>
  invalid: readonly string[]
  conditions: readonly string[]
}

export interface TileModel {
  key: string
  device: string
  label: Localized
  /** A short hint under the label (e.g. "Perfusjonsindeks"). */
  hint: Localized | null
  /** The number as text, or null when there is none. */
  value: string | null
  unit: string
  at: number
  invalid: boolean
  /** A condition that makes the value meaningless, shown instead of it. */
  blocking: Localized | null
  /** Conditions worth knowing that do not replace the value. */
  notes: Localized[]
  trend: number[]
  primary: boolean
}

interface ValueSpec { label: Localized, hint?: Localized, order: number, primary: boolean, digits: number }

const SPECS: Record<string, ValueSpec> = {
  spo2: { label: { nb: 'SpO₂', en: 'SpO₂' }, hint: { nb: 'Oksygenmetning', en: 'Oxygen saturation' }, order: 1, primary: true, digits: 0 },
  pulse: { label: { nb: 'Puls', en: 'Pulse' }, order: 2, primary: true, digits: 0 },
  hr: { label: { nb: 'Puls', en: 'Heart rate' }, order: 2, primary: true, digits: 0 },
  pi: { label: { nb: 'PI', en: 'PI' }, hint: { nb: 'Perfusjonsindeks', en: 'Perfusion index' }, order: 3, primary: true, digits: 1 },
  bp: { label: { nb: 'Blodtrykk', en: 'Blood pressure' }, order: 4, primary: true, digits: 0 },
  temperature: { label: { nb: 'Temperatur', en: 'Temperature' }, order: 5, primary: true, digits: 1 },
  temp: { label: { nb: 'Temperatur', en: 'Temperature' }, order: 5, primary: true, digits: 1 },
  resp: { label: { nb: 'Respirasjon', en: 'Respiration' }, order: 6, primary: true, digits: 0 },
  pvi: { label: { nb: 'PVI', en: 'PVI' }, hint: { nb: 'Pletvariabilitetsindeks', en: 'Pleth variability index' }, order: 10, primary: false, digits: 0 },
  spco: { label: { nb: 'SpCO', en: 'SpCO' }, hint: { nb: 'Karboksyhemoglobin', en: 'Carboxyhaemoglobin' }, order: 11, primary: false, digits: 1 },
  spmet: { label: { nb: 'SpMet', en: 'SpMet' }, hint: { nb: 'Methemoglobin', en: 'Methaemoglobin' }, order: 12, primary: false, digits: 1 },
  sphb: { label: { nb: 'SpHb', en: 'SpHb' }, hint: { nb: 'Hemoglobin', en: 'Haemoglobin' }, order: 13, primary: false, digits: 1 },
  spoc: { label: { nb: 'SpOC', en: 'SpOC' }, hint: { nb: 'Oksygeninnhold', en: 'Oxygen content' }, order: 14, primary: false, digits: 1 },
  desat: { label: { nb: 'Desat.', en: 'Desat.' }, hint: { nb: 'Desaturasjonsindeks', en: 'Desaturation index' }, order: 15, primary: false, digits: 0 },
  pidelta: { label: { nb: 'PI Δ', en: 'PI Δ' }, hint: { nb: 'Endring i PI', en: 'PI change' }, order: 16, primary: false, digits: 1 }
}

const SYSTOLIC = ['systolic', 'sys', 'bpSys', 'bp_sys']
const DIASTOLIC = ['diastolic', 'dia', 'bpDia', 'bp_dia']
const UNITS: Record<string, string> = { '/min': '/min', bpm: '/min', count: '', C: '°C', celsius: '°C' }

/** Conditions that mean "there is no valid number now", from drivers/serial-sensor/sensor-conditions.ts. */
const BLOCKING: Record<string, Localized> = {
  'sensor-off-patient': { nb: 'Sensoren er ikke på pasienten', en: 'Probe off patient' },
  'no-sensor': { nb: 'Ingen sensor tilkoblet', en: 'No sensor connected' },
  'no-cable': { nb: 'Kabelen er ikke tilkoblet', en: 'Cable not connected' },
  'pulse-search': { nb: 'Søker etter puls …', en: 'Searching for pulse …' },
  'sensor-calibrating': { nb: 'Sensoren kalibrerer …', en: 'Sensor calibrating …' },
  'no-signal': { nb: 'Intet signal', en: 'No signal' },
  'defective-sensor': { nb: 'Sensorfeil — bytt sensor', en: 'Sensor fault — replace the sensor' },
  'unrecognized-sensor': { nb: 'Ukjent sensor', en: 'Unrecognised sensor' },
  'incompatible-sensor': { nb: 'Sensoren passer ikke', en: 'Incompatible sensor' },
  'sensor-life-expired': { nb: 'Sensoren er utløpt', en: 'Sensor life expired' },
  'defective-cable': { nb: 'Kabelfeil', en: 'Cable fault' }
}
const NOTES: Record<string, Localized> = {
  'low-perfusion': { nb: 'Lav perfusjon', en: 'Low perfusion' },
  'low-signal-iq': { nb: 'Lav signalkvalitet', en: 'Low signal quality' },
  'ambient-light': { nb: 'Omgivelseslys forstyrrer', en: 'Ambient light interference' },
  'low-battery': { nb: 'Lavt batteri', en: 'Low battery' },
  'interference': { nb: 'Forstyrrelser', en: 'Interference' }
}

export function conditionText (code: string): Localized {
  const known = BLOCKING[code] ?? NOTES[code]
  if (known !== undefined) return known
  const alarm = /^(.+)-(high|low)-alarm$/.exec(code)
  if (alarm !== null) {
    const name = SPECS[alarm[1] ?? '']?.label ?? { nb: alarm[1] ?? code, en: alarm[1] ?? code }
    return alarm[2] === 'high' ? { nb: `Alarm: høy ${name.nb}`, en: `Alarm: high ${name.en}` } : { nb: `Alarm: lav ${name.nb}`, en: `Alarm: low ${name.en}` }
  }
  const words = code.replace(/[-_]/g, ' ')
  return { nb: words, en: words }
}

function fmt (value: number, digits: number): string {
  return value.toFixed(digits)
}

function first (names: readonly string[], values: ReadingSample['values']): string | undefined {
  return names.find((n) => n in values)
}

/** The tiles of one device's latest sample, with trends from its recent samples. */
export function deviceTiles (device: string, latest: ReadingSample, recent: readonly ReadingSample[]): TileModel[] {
  const blockingCode = latest.conditions.find((c) => c in BLOCKING)
  const blocking = blockingCode !== undefined ? BLOCKING[blockingCode] ?? null : null
  const notes = latest.conditions.filter((c) => !(c in BLOCKING)).map(conditionText)
  const tiles: TileModel[] = []
  const trendOf = (name: string): number[] => {
    const out: number[] = []
    for (const s of recent) {
      const v = s.values[name]
      if (typeof v === 'number' && !s.invalid.includes(name)) out.push(v)
    }
    return out.slice(-60)
  }
  const sys = first(SYSTOLIC, latest.values)
  const dia = first(DIASTOLIC, latest.values)
  const used = new Set<string>()
  if (sys !== undefined && dia !== undefined) {
    used.add(sys).add(dia)
    const s = latest.values[sys]
    const d = latest.values[dia]
    tiles.push({
      key: `${device}:bp`, device, label: SPECS.bp!.label, hint: null,
      value: typeof s === 'number' && typeof d === 'number' ? `${fmt(s, 0)}/${fmt(d, 0)}` : null,
      unit: latest.units[sys] ?? 'mmHg', at: latest.at,
      invalid: latest.invalid.includes(sys) || latest.invalid.includes(dia),
      blocking, notes, trend: trendOf(sys), primary: true
    })
  }
  for (const [name, raw] of Object.entries(latest.values)) {
    if (used.has(name)) continue
    const spec = SPECS[name]
    const unit = latest.units[name] ?? ''
    tiles.push({
      key: `${device}:${name}`,
      device,
      label: spec?.label ?? { nb: name, en: name },
      hint: spec?.hint ?? null,
      value: raw === null ? null : typeof raw === 'number' ? fmt(raw, spec?.digits ?? 1) : raw,
      unit: UNITS[unit] ?? unit,
      at: latest.at,
      invalid: latest.invalid.includes(name),
      blocking,
      notes,
      trend: trendOf(name),
      primary: spec?.primary ?? false
    })
  }
  const order = (t: TileModel): number => SPECS[t.key.slice(t.key.indexOf(':') + 1)]?.order ?? 50
  return tiles.sort((a, b) => order(a) - order(b))
}

/** A reading this old is shown as old (sensors send about once a second). */
export const VALUE_STALE_MS = 10_000
