// Raw values as IT reads them on the room page (pure): a device's health metrics with a name and a
// unit ("Svartid 49 ms", not "responseMs 49"), and the value column of the pre-session check with
// states in words ("Nede", not "down") and decimal commas in bokmål ("5,7 ms", not "5.73 ms").
import { localNumbers, num } from '../shared/format.js'
import { tr, type Lang, type Localized } from '../shared/i18n.js'
import type { CheckReport } from '../shared/types.js'
import { presetLabel, stateLook, STATES } from '../shared/words.js'

interface MetricSpec {
  label: Localized
  unit?: string
  digits?: number
  /** Words for the text values a driver reports. */
  words?: Record<string, Localized>
}

const YES_NO = { true: { nb: 'ja', en: 'yes' }, false: { nb: 'nei', en: 'no' } }

/** The metrics the room page shows, in this order; others are left to the device's own page. */
const METRICS: Array<[string, MetricSpec]> = [
  ['reachability', {
    label: { nb: 'Nås', en: 'Reachable' },
    words: {
      up: { nb: 'svarer', en: 'answers' },
      'up-without-auth': { nb: 'svarer, pålogging feiler', en: 'answers, login fails' },
      reachable: { nb: 'nås, svarer ikke', en: 'reachable, no answer' },
      unreachable: { nb: 'nås ikke', en: 'unreachable' }
    }
  }],
  ['responseMs', { label: { nb: 'Svartid', en: 'Response' }, unit: 'ms', digits: 0 }],
  ['connectMs', { label: { nb: 'Tilkobling', en: 'Connect' }, unit: 'ms', digits: 0 }],
  ['rttMs', { label: { nb: 'Rundtur', en: 'Round trip' }, unit: 'ms', digits: 0 }],
  ['batteryPct', { label: { nb: 'Batteri', en: 'Battery' }, unit: '%', digits: 0 }],
  ['batteryMinutesLeft', { label: { nb: 'Batteritid', en: 'Battery time' }, unit: 'min', digits: 0 }],
  ['charging', { label: { nb: 'Lader', en: 'Charging' }, words: YES_NO }],
  ['fps', { label: { nb: 'Bilder/s', en: 'Frames/s' }, digits: 0 }],
  ['kbps', { label: { nb: 'Bitrate', en: 'Bit rate' }, unit: 'kbit/s', digits: 0 }],
  ['clockDriftMs', { label: { nb: 'Klokkeavvik', en: 'Clock drift' }, unit: 'ms', digits: 0 }],
  ['presetsMissing', { label: { nb: 'Mangler forhåndsinnstilling', en: 'Presets missing' } }],
  ['snapshotOk', { label: { nb: 'Stillbilde', en: 'Snapshot' }, words: { true: { nb: 'OK', en: 'OK' }, false: { nb: 'feiler', en: 'fails' } } }],
  ['cpuTempC', { label: { nb: 'CPU-temp.', en: 'CPU temp.' }, unit: '°C', digits: 0 }],
  ['diskFreePct', { label: { nb: 'Ledig disk', en: 'Disk free' }, unit: '%', digits: 0 }]
]

export interface MetricFigure { key: string, label: string, value: string }

/** The known metrics a device reports, named and with units, in the page language. */
export function metricFigures (metrics: Readonly<Record<string, string | number | boolean | null>>, lang: Lang): MetricFigure[] {
  const out: MetricFigure[] = []
  for (const [key, spec] of METRICS) {
    const raw = metrics[key]
    if (raw === undefined || raw === null || raw === '') continue
    const word = spec.words?.[String(raw)]
    const value = word !== undefined
      ? tr(word, lang)
      : typeof raw === 'number'
        ? `${num(raw, lang, spec.digits ?? 1)}${spec.unit !== undefined ? ` ${spec.unit}` : ''}`
        : localNumbers(String(raw), lang)
    out.push({ key, label: tr(spec.label, lang), value })
  }
  return out
}

type CheckStep = CheckReport['steps'][number]

const UNITS: Record<string, Localized> = {
  'Mbit/s (up / down)': { nb: 'Mbit/s (opp / ned)', en: 'Mbit/s (up / down)' }
}

const STEP_WORDS: Record<string, Localized> = {
  standby: { nb: 'hvilemodus', en: 'standby' }
}

/** The value column of one check step: a state in words, a preset by its name, numbers the language's way. */
export function checkValue (step: CheckStep, lang: Lang): string {
  const v = step.value
  if (v === undefined || v === null || v === '') return ''
  const unit = step.unit !== undefined ? ` ${tr(UNITS[step.unit] ?? { nb: step.unit, en: step.unit }, lang)}` : ''
  if (typeof v === 'boolean') return tr(YES_NO[String(v) as 'true' | 'false'], lang)
  if (typeof v === 'number') return `${num(v, lang, 1)}${unit}`
  if (Object.hasOwn(STATES, v)) return tr(stateLook(v).word, lang)
  if (Object.hasOwn(STEP_WORDS, v)) return tr(STEP_WORDS[v]!, lang)
  if (step.name.startsWith('camera.')) return tr(presetLabel(v), lang)
  return `${localNumbers(v, lang)}${unit}`
}
