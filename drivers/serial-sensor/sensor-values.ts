// The catalogue of values serial sensors report: one name, one unit and one plausibility range per
// quantity, so that every protocol parser calls the same thing by the same name (spo2 is always %,
// pulse always /min) and a number outside what a living patient can show is flagged, not believed.

export interface ValueSpec {
  unit: string
  /** The plausible range, inclusive. Outside it a value is listed as invalid, never taken as truth. */
  min: number
  max: number
}

/**
 * Ranges are what a patient sitting in a helserom can plausibly show, not what the display can:
 * a Masimo shows SpO2 0–100 % but specifies accuracy only for 70–100 %, so below 50 % a reading is far
 * more likely a bad signal than a patient. PI, SpCO, SpMet, SpHb and SpOC ranges are the
 * measurement ranges Masimo publishes for Rad-8/Radical-7.
 */
export const SENSOR_VALUES = {
  spo2: { unit: '%', min: 50, max: 100 },
  pulse: { unit: '/min', min: 20, max: 300 },
  pi: { unit: '%', min: 0.02, max: 20 },
  pvi: { unit: '%', min: 0, max: 100 },
  spco: { unit: '%', min: 0, max: 99 },
  spmet: { unit: '%', min: 0, max: 99.9 },
  sphb: { unit: 'g/dL', min: 0, max: 25 },
  spoc: { unit: 'mL/dL', min: 0, max: 35 },
  /** Masimo's desaturation index: how many desaturations in the averaging window. */
  desat: { unit: 'count', min: 0, max: 99 },
  /** Masimo's PI delta: the change of PI against its baseline, signed. */
  pidelta: { unit: '%', min: -99, max: 99 }
} as const satisfies Record<string, ValueSpec>

export type SensorValueName = keyof typeof SENSOR_VALUES

/** The values that tell whether the sensor measures at all: when both are missing there is no signal. */
export const PRIMARY_VALUES: readonly string[] = ['spo2', 'pulse']

export function isSensorValueName (name: string): name is SensorValueName {
  return Object.hasOwn(SENSOR_VALUES, name)
}

/** Names of the numbers outside their range; a null (no value from the device) is not implausible. */
export function implausibleValues (values: Record<string, number | null>, specs: Record<string, Pick<ValueSpec, 'min' | 'max'> | undefined>): string[] {
  const out: string[] = []
  for (const [name, value] of Object.entries(values)) {
    const spec = specs[name]
    if (value === null || spec === undefined) continue
    if (!Number.isFinite(value) || value < spec.min || value > spec.max) out.push(name)
  }
  return out
}
