// The catalogue of device conditions a sensor line can carry (Masimo EXC/ALARM bits, Nonin's "---"),
// with what each means for the values on the same line and for the device's health. Parsers use it
// to mark values invalid; the health assessment uses it to pick the one sentence staff read.

/** What a condition says about the device, in the order health reports them (first wins). */
export const HEALTH_CONCERNS = ['no-sensor', 'sensor-fault', 'sensor-off-patient', 'no-signal', 'weak-signal', 'low-battery'] as const
export type HealthConcern = typeof HEALTH_CONCERNS[number]

export interface ConditionSpec {
  /** Which values on the same line cannot be trusted: all of them, some, or none. */
  invalidates: 'all' | readonly string[] | null
  /** The health concern it raises; null for patient alarms and informational flags. */
  concern: HealthConcern | null
}

const sensorGone: ConditionSpec = { invalidates: 'all', concern: 'no-sensor' }
const sensorFault: ConditionSpec = { invalidates: 'all', concern: 'sensor-fault' }
const weak: ConditionSpec = { invalidates: null, concern: 'weak-signal' }
const clinical: ConditionSpec = { invalidates: null, concern: null }

export const CONDITIONS: Record<string, ConditionSpec> = {
  'no-sensor': sensorGone,
  'no-cable': sensorGone,
  'defective-sensor': sensorFault,
  'unrecognized-sensor': sensorFault,
  'incompatible-sensor': sensorFault,
  'sensor-life-expired': sensorFault,
  'defective-cable': sensorFault,
  'unrecognized-cable': sensorFault,
  'incompatible-cable': sensorFault,
  'cable-life-expired': sensorFault,
  'emitter-temperature-out-of-range': sensorFault,
  'sensor-current-limit': sensorFault,
  'sensor-off-patient': { invalidates: 'all', concern: 'sensor-off-patient' },
  'pulse-search': { invalidates: 'all', concern: 'no-signal' },
  'sensor-calibrating': { invalidates: 'all', concern: 'no-signal' },
  /** Set by a parser when the device sent no SpO2 and no pulse at all. */
  'no-signal': { invalidates: 'all', concern: 'no-signal' },
  // The device still shows these values, with less confidence: keep them, but say so.
  'low-perfusion': weak,
  'low-signal-iq': weak,
  interference: weak,
  'ambient-light': weak,
  'spco-low-confidence': { invalidates: ['spco'], concern: null },
  'spmet-low-confidence': { invalidates: ['spmet'], concern: null },
  'low-battery': { invalidates: null, concern: 'low-battery' },
  // Patient alarms are clinical information for the specialist, not a device problem.
  'spo2-high-alarm': clinical,
  'spo2-low-alarm': clinical,
  'pulse-high-alarm': clinical,
  'pulse-low-alarm': clinical,
  'spco-high-alarm': clinical,
  'spco-low-alarm': clinical,
  'spmet-high-alarm': clinical,
  'spmet-low-alarm': clinical,
  'desat-index-alarm': clinical,
  'pi-change-alarm': clinical,
  'alarm-active': clinical,
  'alarm-silenced': clinical,
  /** Nonin: the ON/STANDBY button was pressed to mark an event. */
  'event-marker': clinical
}

/** The names of values on a line that its conditions make untrustworthy. */
export function valuesInvalidatedBy (conditions: readonly string[], valueNames: readonly string[]): string[] {
  const out = new Set<string>()
  for (const condition of conditions) {
    const spec = CONDITIONS[condition]
    if (spec === undefined || spec.invalidates === null) continue
    const affected = spec.invalidates === 'all' ? valueNames : spec.invalidates
    for (const name of affected) if (valueNames.includes(name)) out.add(name)
  }
  return [...out]
}

/** The most pressing health concern among the conditions, or null when they raise none. */
export function healthConcernOf (conditions: readonly string[]): HealthConcern | null {
  let best: HealthConcern | null = null
  for (const condition of conditions) {
    const concern = CONDITIONS[condition]?.concern ?? null
    if (concern !== null && (best === null || HEALTH_CONCERNS.indexOf(concern) < HEALTH_CONCERNS.indexOf(best))) best = concern
  }
  return best
}
