// Calibration and control of measuring equipment: when it falls due, whether it is overdue or will
// be by the next consultation, and what that makes — an amber readiness reason for the room (sent
// to the gateway in the `support` message) and a low-priority incident for the maintainer. Pure.
//
// Dates are calendar days in the hub's time zone. Calibrated on 2025-06-01 every 365 days: due on
// 2026-06-01, valid through that day, overdue from 2026-06-02 00:00. "Due before the next
// consultation": the consultation starts after the last valid day. An interval without a last
// date is `unknown` — listed in the register, not an amber light (a room being set up would
// otherwise never be green).
import type { LocalizedText, Reason } from '../../protocol/messages.js'
import { dateTimeFormat } from '../date-format.js'
import type { Condition, ConsultationRef } from '../incidents/incident.js'
import { wallTimeOf, zonedToUtc } from '../schedule/zoned-time.js'
import type { Calibration } from './config.js'

export type CalibrationState = 'ok' | 'due' | 'overdue' | 'unknown'

export interface CalibrationStatus {
  state: CalibrationState
  /** The last valid day (YYYY-MM-DD), when known. */
  dueOn: string | null
  /** From when it is overdue (ms), when known. */
  expiresAt: number | null
}

/** Midnight at the start of `date` + `plusDays`, in `timeZone`. */
export function startOfDay (date: string, plusDays: number, timeZone: string): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  return zonedToUtc({ year, month, day: day + plusDays, hour: 0, minute: 0, second: 0 }, timeZone)
}

/** The calendar day (YYYY-MM-DD) it is at `now` in `timeZone`. */
export function dayOf (now: number, timeZone: string): string {
  const w = wallTimeOf(now, timeZone)
  return `${String(w.year).padStart(4, '0')}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`
}

/** YYYY-MM-DD `days` after `date` (calendar arithmetic, no time zone involved). */
export function addDays (date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10)
}

export function calibrationStatus (cal: Calibration | null, now: number, next: ConsultationRef | null, timeZone: string): CalibrationStatus | null {
  if (cal === null) return null
  if (cal.last === undefined) return { state: 'unknown', dueOn: null, expiresAt: null }
  const dueOn = addDays(cal.last, cal.intervalDays)
  const expiresAt = startOfDay(dueOn, 1, timeZone)
  if (now >= expiresAt) return { state: 'overdue', dueOn, expiresAt }
  if (next !== null && next.start >= expiresAt) return { state: 'due', dueOn, expiresAt }
  return { state: 'ok', dueOn, expiresAt }
}

/** "1.6.2026" / "1 Jun 2026". */
export function dayText (date: string, lang: 'nb' | 'en'): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  const at = Date.UTC(year, month - 1, day, 12)
  return lang === 'nb'
    ? dateTimeFormat('nb-NO', { timeZone: 'UTC', day: 'numeric', month: 'numeric', year: 'numeric' }).format(at)
    : dateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' }).format(at)
}

export interface CalibrationSubject {
  device: string
  /** As staff know it: "Pulsoksymeter". */
  name: string
  calibration: Calibration
  /** The maintainer, as it reads after "ring": "medisinsk-teknisk avdeling". */
  maintainer: LocalizedText | null
}

/** The amber reason the room's light shows (gateway readiness), or null when nothing is due. */
export function calibrationReason (s: CalibrationSubject, status: CalibrationStatus | null): Reason | null {
  if (status === null || status.dueOn === null || (status.state !== 'overdue' && status.state !== 'due')) return null
  const date = status.dueOn
  const who = (lang: 'nb' | 'en'): string => s.maintainer === null ? '' : lang === 'nb' ? ` — ${s.maintainer.nb} har ansvaret` : ` — ${s.maintainer.en} is responsible`
  const overdue = status.state === 'overdue'
  return {
    code: overdue ? 'calibration.overdue' : 'calibration.due',
    level: 'amber',
    device: s.device,
    message: overdue
      ? { nb: `${s.name}: kalibrering eller kontroll forfalt ${dayText(date, 'nb')}${who('nb')}`, en: `${s.name}: calibration or control was due ${dayText(date, 'en')}${who('en')}` }
      : { nb: `${s.name}: kalibrering eller kontroll forfaller ${dayText(date, 'nb')}, før konsultasjonen${who('nb')}`, en: `${s.name}: calibration or control falls due ${dayText(date, 'en')}, before the consultation${who('en')}` }
  }
}

export const CALIBRATION_CAUSE_PREFIX = 'device.calibration:'

/** The low-priority incident for the maintainer, or null when nothing is due. */
export function calibrationCondition (s: CalibrationSubject, status: CalibrationStatus | null, roomName: string, consultation: ConsultationRef | null): Condition | null {
  if (status === null || status.dueOn === null || (status.state !== 'overdue' && status.state !== 'due')) return null
  const cal = s.calibration
  const date = status.dueOn
  const last = (lang: 'nb' | 'en'): string => cal.last !== undefined ? (lang === 'nb' ? `, sist ${dayText(cal.last, 'nb')}` : `, last ${dayText(cal.last, 'en')}`) : ''
  return {
    cause: `${CALIBRATION_CAUSE_PREFIX}${s.device}`,
    rule: 'calibration',
    device: s.device,
    deviceName: s.name,
    severity: 'info',
    title: status.state === 'overdue'
      ? { nb: `${roomName}: ${s.name} skulle vært kalibrert eller kontrollert`, en: `${roomName}: ${s.name} is overdue for calibration or control` }
      : { nb: `${roomName}: ${s.name} må kalibreres eller kontrolleres før neste konsultasjon`, en: `${roomName}: ${s.name} needs calibration or control before the next consultation` },
    detail: {
      nb: `Fristen er ${dayText(date, 'nb')} (hver ${cal.intervalDays}. dag${last('nb')}). Registrer ny dato i utstyrsregisteret når det er gjort.`,
      en: `It is due ${dayText(date, 'en')} (every ${cal.intervalDays} days${last('en')}). Record the new date in the equipment register when it is done.`
    },
    consultation,
    holdMs: 0
  }
}
