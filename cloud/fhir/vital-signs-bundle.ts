// A consultation's readings as a FHIR R4 Bundle (type `collection`) of vital-signs Observations
// (pure; the codes are in vital-signs.ts). Each Observation is one measurement as the device made
// it — status final, category vital-signs, the LOINC code, effectiveDateTime (the reading's own
// time), valueQuantity in UCUM (or, for blood pressure, the systolic and diastolic components — a
// panel only when the reading has both, as the bp profile requires each once), and the device as a
// reference showing the name staff know it by.
//
// Subject: the hub has no patient identity (DESIGN.md, "Data that is personal": it knows rooms and
// consultations, never who sat in them), yet the vital-signs profile requires Observation.subject
// (1..1). So each Observation carries a logical reference — an identifier, no resource — to "the
// patient of this consultation", which the receiving system resolves when it files the bundle:
//   default             { type: Patient, identifier: { system: urn:helserom:consultation-patient,
//                         value: <room>/<consultation id> } }
//   patient: { system } { type: Patient, identifier: { system, value: <consultation id> } }, read as
//                       the patient of this consultation in the booking system `system`.
//
// Observation ids are derived from (room, consultation, device, sign, time), so exporting the same
// consultation twice gives the same ids and a receiver can tell a repeat from new data. With more
// than `maxPerSeries` readings of one sign from one device, evenly spaced ones are exported (real
// measurements, never averages), always including the first and the last.
import { createHash, randomUUID } from 'node:crypto'
import { BP_COMPONENTS, isReadingName, READING_NAMES, UCUM, unitAccepted, VITAL_SIGNS, type Coding, type ReadingName, type VitalSign } from './vital-signs.js'

export const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category'
export const DEVICE_IDENTIFIER_SYSTEM = 'urn:helserom:device'
export const CONSULTATION_IDENTIFIER_SYSTEM = 'urn:helserom:consultation'
/** The default subject's identifier system: "the patient of consultation <room>/<id>". */
export const CONSULTATION_PATIENT_SYSTEM = 'urn:helserom:consultation-patient'
/** The namespace of the name-based (v5) Observation ids. */
const ID_NAMESPACE = '5b0c6f52-4d1f-4f4e-9a53-2f1c8a7d3e10'
export const DEFAULT_MAX_PER_SERIES = 1000

export interface FhirQuantity { value: number, unit: string, system: string, code: string }
export interface FhirCodeableConcept { coding: Coding[], text: string }
export interface FhirIdentifier { system: string, value: string }
export interface FhirReference { type?: string, identifier?: FhirIdentifier, display?: string }
export interface FhirObservationComponent { code: FhirCodeableConcept, valueQuantity: FhirQuantity }

export interface FhirObservation {
  resourceType: 'Observation'
  id: string
  status: 'final'
  category: FhirCodeableConcept[]
  code: FhirCodeableConcept
  subject: FhirReference
  effectiveDateTime: string
  valueQuantity?: FhirQuantity
  component?: FhirObservationComponent[]
  device: FhirReference
}

export interface FhirBundle {
  resourceType: 'Bundle'
  id: string
  meta: { lastUpdated: string }
  identifier: FhirIdentifier
  type: 'collection'
  timestamp: string
  entry: Array<{ fullUrl: string, resource: FhirObservation }>
}

/** One reading of one device, reduced to the names the export understands. */
export interface VitalSample {
  device: string
  /** ms since epoch: when the device measured it. */
  ts: number
  values: Partial<Record<ReadingName, number>>
  /** The reading's units by name; absent (from the store): the name's own unit. */
  units?: Partial<Record<ReadingName, string>>
}

/** The values of a reading the export understands (numbers, accepted units, not flagged invalid). */
export function vitalSampleOf (device: string, reading: { ts: number, values: Record<string, unknown>, units: Record<string, string>, invalid?: string[] }): VitalSample | null {
  const values: Partial<Record<ReadingName, number>> = {}
  const units: Partial<Record<ReadingName, string>> = {}
  const invalid = new Set(reading.invalid ?? [])
  for (const [name, value] of Object.entries(reading.values)) {
    if (!isReadingName(name) || invalid.has(name) || typeof value !== 'number' || !Number.isFinite(value)) continue
    const unit = reading.units[name]
    if (unit === undefined || !unitAccepted(name, unit)) continue
    values[name] = value
    units[name] = unit
  }
  return Object.keys(values).length > 0 ? { device, ts: reading.ts, values, units } : null
}

export interface BundleInput {
  room: string
  consultation: string
  samples: readonly VitalSample[]
  /** The device's name as staff know it (config `name`), or null. */
  deviceName: (device: string) => string | null
  patient?: { system: string }
  now: number
  maxPerSeries?: number
}

interface Draft { series: string, ts: number, order: number, observation: FhirObservation }

export function vitalSignsBundle (input: BundleInput): FhirBundle {
  const maxPerSeries = input.maxPerSeries ?? DEFAULT_MAX_PER_SERIES
  if (!Number.isInteger(maxPerSeries) || maxPerSeries < 2) throw new TypeError(`maxPerSeries must be a whole number of at least 2, got ${String(maxPerSeries)}`)
  const series = new Map<string, Draft[]>()
  const seen = new Set<string>()
  let order = 0
  for (const sample of input.samples) {
    for (const draft of observationsOf(input, sample, () => order++)) {
      if (seen.has(draft.observation.id)) continue // the same measurement twice (e.g. from two sources)
      seen.add(draft.observation.id)
      const list = series.get(draft.series) ?? []
      list.push(draft)
      series.set(draft.series, list)
    }
  }
  const kept: Draft[] = []
  for (const key of [...series.keys()].sort()) {
    const list = (series.get(key) ?? []).sort((a, b) => a.ts - b.ts)
    kept.push(...evenlySpaced(list, maxPerSeries))
  }
  kept.sort((a, b) => a.ts - b.ts || a.order - b.order)
  const now = new Date(input.now).toISOString()
  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { lastUpdated: now },
    identifier: { system: CONSULTATION_IDENTIFIER_SYSTEM, value: `${input.room}/${input.consultation}` },
    type: 'collection',
    timestamp: now,
    entry: kept.map((d) => ({ fullUrl: `urn:uuid:${d.observation.id}`, resource: d.observation }))
  }
}

/** A sample's Observations, in a fixed order (SpO2, heart rate, blood pressure, temperature). */
function observationsOf (input: BundleInput, sample: VitalSample, next: () => number): Draft[] {
  const drafts: Draft[] = []
  const quantity = (name: ReadingName, value: number): FhirQuantity => {
    const { unit, code } = READING_NAMES[name].unit
    return { value, unit, system: UCUM, code }
  }
  const make = (sign: VitalSign, fill: Pick<FhirObservation, 'valueQuantity' | 'component'>): void => {
    const series = `${sample.device}/${sign.key}`
    const observation: FhirObservation = {
      resourceType: 'Observation',
      id: uuidV5(`${input.room}/${input.consultation}/${series}/${sample.ts}`),
      status: 'final',
      category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'vital-signs', display: 'Vital Signs' }], text: 'Vital Signs' }],
      code: { coding: sign.coding.map((c) => ({ ...c })), text: sign.text },
      subject: patientReference(input),
      effectiveDateTime: new Date(sample.ts).toISOString(),
      ...fill,
      device: deviceReference(input, sample.device)
    }
    drafts.push({ series, ts: sample.ts, order: next(), observation })
  }
  const v = sample.values
  const accepted = (name: ReadingName): number | undefined => {
    const value = v[name]
    return value !== undefined && Number.isFinite(value) && unitAccepted(name, sample.units?.[name]) ? value : undefined
  }
  const spo2 = accepted('spo2')
  if (spo2 !== undefined) make(VITAL_SIGNS.oxygenSaturation, { valueQuantity: quantity('spo2', spo2) })
  const pulse = accepted('pulse')
  if (pulse !== undefined) make(VITAL_SIGNS.heartRate, { valueQuantity: quantity('pulse', pulse) })
  // The panel carries its values in components only (obs-7: no value for the panel's own code), and
  // the bp profile requires both pressures: a lone systolic or diastolic is not a panel.
  const pressures = (['systolic', 'diastolic'] as const).map((name) => ({ name, value: accepted(name) }))
  if (pressures.every((p) => p.value !== undefined)) {
    make(VITAL_SIGNS.bloodPressure, {
      component: pressures.map(({ name, value }) => {
        const coding = BP_COMPONENTS[name]
        return { code: { coding: [{ ...coding }], text: coding.display }, valueQuantity: quantity(name, value as number) }
      })
    })
  }
  const temperature = accepted('temperature')
  if (temperature !== undefined) make(VITAL_SIGNS.bodyTemperature, { valueQuantity: quantity('temperature', temperature) })
  return drafts
}

/** The logical reference to the consultation's patient (see the header). */
function patientReference (input: BundleInput): FhirReference {
  return input.patient !== undefined
    ? { type: 'Patient', identifier: { system: input.patient.system, value: input.consultation } }
    : { type: 'Patient', identifier: { system: CONSULTATION_PATIENT_SYSTEM, value: `${input.room}/${input.consultation}` } }
}

function deviceReference (input: BundleInput, device: string): FhirReference {
  const name = input.deviceName(device)
  return {
    type: 'Device',
    identifier: { system: DEVICE_IDENTIFIER_SYSTEM, value: `${input.room}/${device}` },
    display: name !== null && name.trim() !== '' ? name : device
  }
}

/** At most `max` items, evenly spaced, the first and the last always among them. */
export function evenlySpaced<T> (items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items]
  const out: T[] = []
  const step = (items.length - 1) / (max - 1)
  for (let i = 0; i < max; i++) out.push(items[Math.round(i * step)] as T)
  return out
}

/** A name-based UUID (RFC 9562 version 5, SHA-1) in our namespace. */
export function uuidV5 (name: string, namespace = ID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex')
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest()
  const bytes = hash.subarray(0, 16)
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
