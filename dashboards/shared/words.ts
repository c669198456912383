// The words every page shares (DESIGN.md, "Words on screen"): readiness levels and device states
// each as a colour, an icon and a word together — never colour alone, for colour-blind staff.
import type { Localized } from './i18n.js'

export type Level = 'green' | 'amber' | 'red'
export type HealthState = 'ok' | 'degraded' | 'down' | 'unknown'

export interface Look {
  /** A glyph that reads without colour: ✓ ! ✕ ? */
  icon: string
  word: Localized
  /** Order for "worst first" sorting: higher is worse. */
  rank: number
}

export const LEVELS: Record<Level, Look> = {
  green: { icon: '✓', word: { nb: 'Klar', en: 'Ready' }, rank: 1 },
  amber: { icon: '!', word: { nb: 'Obs', en: 'Attention' }, rank: 2 },
  red: { icon: '✕', word: { nb: 'Ikke klar', en: 'Not ready' }, rank: 3 }
}

/** A room that has never reported readiness. */
export const NO_LEVEL: Look = { icon: '?', word: { nb: 'Ukjent', en: 'Unknown' }, rank: 0 }

export const STATES: Record<HealthState, Look> = {
  ok: { icon: '✓', word: { nb: 'OK', en: 'OK' }, rank: 0 },
  degraded: { icon: '!', word: { nb: 'Redusert', en: 'Degraded' }, rank: 2 },
  down: { icon: '✕', word: { nb: 'Nede', en: 'Down' }, rank: 3 },
  unknown: { icon: '?', word: { nb: 'Ukjent', en: 'Unknown' }, rank: 1 }
}

export function levelLook (level: string | null | undefined): Look {
  return level === 'green' || level === 'amber' || level === 'red' ? LEVELS[level] : NO_LEVEL
}

export function stateLook (state: string | null | undefined): Look {
  return state === 'ok' || state === 'degraded' || state === 'down' || state === 'unknown' ? STATES[state] : STATES.unknown
}

const PRESET_NAMES: Record<string, Localized> = {
  patient: { nb: 'Pasient', en: 'Patient' },
  overview: { nb: 'Oversikt', en: 'Overview' },
  wide: { nb: 'Vidvinkel', en: 'Wide' },
  wound: { nb: 'Sår', en: 'Wound' },
  skin: { nb: 'Hud', en: 'Skin' },
  door: { nb: 'Dør', en: 'Door' },
  table: { nb: 'Benk', en: 'Table' }
}

/** A camera preset as people call it ("Pasient" for `patient`); an unknown name as it is. */
export function presetLabel (name: string): Localized {
  return PRESET_NAMES[name] ?? { nb: name, en: name }
}
