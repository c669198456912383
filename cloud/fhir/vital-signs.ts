// Which reading values the FHIR export understands, and what each becomes: a LOINC code of the FHIR R4
// vital-signs profiles (http://hl7.org/fhir/R4/observation-vitalsigns.html) and its UCUM unit. Pure.
//
// Reading names (ReadingsMessage.values; the unit in `units` must be one of the accepted spellings,
// or the value is left out of the export rather than guessed):
//   spo2         %                            → 2708-6 + 59408-5 oxygen saturation by pulse oximetry
//   pulse        /min (bpm, 1/min, beats/min)  → 8867-4 heart rate
//   systolic     mmHg (mm[Hg], mm Hg)          → 85354-9 blood pressure panel, component 8480-6
//   diastolic    mmHg                          → 85354-9 blood pressure panel, component 8462-4
//   temperature  °C (Cel, C, degC)             → 8310-5 body temperature
// The serial oximeters (Masimo, Nonin) already send `spo2` and `pulse`; a blood-pressure monitor or a
// thermometer on a kv-line port maps its keys to these names in the room config (fieldMap), e.g.
// `SYS: { name: systolic, unit: mmHg }`. Values with other names (pi, pvi, spco …) are relayed live
// but have no vital-signs code and are not exported. A value the driver flagged invalid never is.

export const LOINC = 'http://loinc.org'
export const UCUM = 'http://unitsofmeasure.org'

export interface Coding {
  system: string
  code: string
  display: string
}

export interface UnitOfMeasure {
  /** The UCUM code. */
  code: string
  /** The unit as people write it. */
  unit: string
  /** How drivers may spell it in a reading's `units`. */
  accepts: readonly string[]
}

const PERCENT: UnitOfMeasure = { code: '%', unit: '%', accepts: ['%'] }
const PER_MINUTE: UnitOfMeasure = { code: '/min', unit: '/min', accepts: ['/min', 'bpm', '1/min', 'beats/min', '{beats}/min'] }
const MM_HG: UnitOfMeasure = { code: 'mm[Hg]', unit: 'mmHg', accepts: ['mmHg', 'mm[Hg]', 'mm Hg'] }
const CELSIUS: UnitOfMeasure = { code: 'Cel', unit: '°C', accepts: ['Cel', '°C', 'C', 'degC'] }

/** One Observation kind of the export. */
export interface VitalSign {
  key: 'oxygenSaturation' | 'heartRate' | 'bloodPressure' | 'bodyTemperature'
  text: string
  coding: readonly Coding[]
}

export const VITAL_SIGNS = {
  oxygenSaturation: {
    key: 'oxygenSaturation',
    text: 'SpO2',
    // The R4 oxygensat profile fixes 2708-6; 59408-5 says how it was measured.
    coding: [
      { system: LOINC, code: '2708-6', display: 'Oxygen saturation in Arterial blood' },
      { system: LOINC, code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry' }
    ]
  },
  heartRate: { key: 'heartRate', text: 'Heart rate', coding: [{ system: LOINC, code: '8867-4', display: 'Heart rate' }] },
  bloodPressure: { key: 'bloodPressure', text: 'Blood pressure', coding: [{ system: LOINC, code: '85354-9', display: 'Blood pressure panel with all children optional' }] },
  bodyTemperature: { key: 'bodyTemperature', text: 'Body temperature', coding: [{ system: LOINC, code: '8310-5', display: 'Body temperature' }] }
} as const satisfies Record<VitalSign['key'], VitalSign>

export const BP_COMPONENTS = {
  systolic: { system: LOINC, code: '8480-6', display: 'Systolic blood pressure' },
  diastolic: { system: LOINC, code: '8462-4', display: 'Diastolic blood pressure' }
} as const satisfies Record<string, Coding>

/** The reading names the export understands, with the sign each belongs to and its unit. */
export const READING_NAMES = {
  spo2: { sign: 'oxygenSaturation', unit: PERCENT },
  pulse: { sign: 'heartRate', unit: PER_MINUTE },
  systolic: { sign: 'bloodPressure', unit: MM_HG },
  diastolic: { sign: 'bloodPressure', unit: MM_HG },
  temperature: { sign: 'bodyTemperature', unit: CELSIUS }
} as const satisfies Record<string, { sign: VitalSign['key'], unit: UnitOfMeasure }>

export type ReadingName = keyof typeof READING_NAMES

export function isReadingName (name: string): name is ReadingName {
  return Object.hasOwn(READING_NAMES, name)
}

/**
 * Whether a value of `name` given in `unit` may be exported. No unit (the telemetry store keeps
 * none) means the name's own unit: the drivers send these names in these units.
 */
export function unitAccepted (name: ReadingName, unit: string | undefined): boolean {
  return unit === undefined || (READING_NAMES[name].unit.accepts as readonly string[]).includes(unit.trim())
}
