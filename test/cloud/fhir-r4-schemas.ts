// TypeBox schemas of the part of FHIR R4 (4.0.1) the hub's export emits, written from the
// specification — not from our code — so that the tests check the bundle against the standard:
//   primitives   https://hl7.org/fhir/R4/datatypes.html (the regexes of id, uri, code, dateTime, instant)
//   Coding, CodeableConcept, Quantity, Identifier, Reference   (datatypes.html, references.html)
//   Observation  https://hl7.org/fhir/R4/observation.html (status 1..1, code 1..1, category 0..*,
//                subject 0..1, effective[x] 0..1, value[x] 0..1, component 0..*, device 0..1)
//   Bundle       https://hl7.org/fhir/R4/bundle.html (type 1..1, timestamp 0..1, entry 0..*)
//   vital signs  https://hl7.org/fhir/R4/observation-vitalsigns.html and its profiles oxygensat,
//                heartrate, bp, bodytemp (category vital-signs, subject 1..1 (a Patient), effective[x]
//                1..1, valueQuantity with value, unit, system UCUM and code 1..1; vs-2, vs-3; bp: the
//                SBP and DBP components 1..1 each)
// Objects are closed (additionalProperties: false) where we emit them: an element that is not in
// this subset is a test failure, not a silent extra. Invariants a schema cannot say (bdl-1, bdl-7,
// qty-3, obs-7, the per-profile codes and units) are the functions at the end.
import { Type, type Static, type TSchema } from '@sinclair/typebox'

const closed = { additionalProperties: false } as const
// R4 primitive regexes (datatypes.html); anchored, as the spec means them for the whole value.
const id = Type.String({ pattern: '^[A-Za-z0-9\\-\\.]{1,64}$' })
const uri = Type.String({ pattern: '^\\S*$', minLength: 1 })
const code = Type.String({ pattern: '^[^\\s]+(\\s[^\\s]+)*$' })
const string = Type.String({ pattern: '^[ \\r\\n\\t\\S]+$' })
const dateTime = Type.String({ pattern: '^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?(Z|(\\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$' })
const instant = Type.String({ pattern: '^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?(Z|(\\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$' })
const decimal = Type.Number()
const nonEmpty = <T extends TSchema>(item: T): ReturnType<typeof Type.Array<T>> => Type.Array(item, { minItems: 1 }) // FHIR: no empty arrays

export const Coding = Type.Object({
  system: Type.Optional(uri),
  version: Type.Optional(string),
  code: Type.Optional(code),
  display: Type.Optional(string),
  userSelected: Type.Optional(Type.Boolean())
}, closed)

export const CodeableConcept = Type.Object({
  coding: Type.Optional(nonEmpty(Coding)),
  text: Type.Optional(string)
}, closed)

export const Quantity = Type.Object({
  value: Type.Optional(decimal),
  comparator: Type.Optional(Type.Union(['<', '<=', '>=', '>'].map((c) => Type.Literal(c)))),
  unit: Type.Optional(string),
  system: Type.Optional(uri),
  code: Type.Optional(code)
}, closed)

export const Identifier = Type.Object({
  use: Type.Optional(Type.Union(['usual', 'official', 'temp', 'secondary', 'old'].map((c) => Type.Literal(c)))),
  type: Type.Optional(CodeableConcept),
  system: Type.Optional(uri),
  value: Type.Optional(string)
}, closed)

export const Reference = Type.Object({
  reference: Type.Optional(string),
  type: Type.Optional(uri),
  identifier: Type.Optional(Identifier),
  display: Type.Optional(string)
}, closed)

export const ObservationStatus = Type.Union(['registered', 'preliminary', 'final', 'amended', 'corrected', 'cancelled', 'entered-in-error', 'unknown'].map((c) => Type.Literal(c)))

export const ObservationComponent = Type.Object({
  code: CodeableConcept,
  valueQuantity: Type.Optional(Quantity)
}, closed)

/** The base R4 Observation, restricted to the elements the export uses. */
export const Observation = Type.Object({
  resourceType: Type.Literal('Observation'),
  id: Type.Optional(id),
  meta: Type.Optional(Type.Object({ lastUpdated: Type.Optional(instant), profile: Type.Optional(nonEmpty(uri)) }, closed)),
  status: ObservationStatus,
  category: Type.Optional(nonEmpty(CodeableConcept)),
  code: CodeableConcept,
  subject: Type.Optional(Reference),
  effectiveDateTime: Type.Optional(dateTime),
  valueQuantity: Type.Optional(Quantity),
  component: Type.Optional(nonEmpty(ObservationComponent)),
  device: Type.Optional(Reference)
}, closed)
export type Observation = Static<typeof Observation>

export const BundleType = Type.Union(['document', 'message', 'transaction', 'transaction-response', 'batch', 'batch-response', 'history', 'searchset', 'collection'].map((c) => Type.Literal(c)))

export const Bundle = Type.Object({
  resourceType: Type.Literal('Bundle'),
  id: Type.Optional(id),
  meta: Type.Optional(Type.Object({ lastUpdated: Type.Optional(instant) }, closed)),
  identifier: Type.Optional(Identifier),
  type: BundleType,
  timestamp: Type.Optional(instant),
  total: Type.Optional(Type.Integer({ minimum: 0 })),
  entry: Type.Optional(Type.Array(Type.Object({
    fullUrl: Type.Optional(uri),
    resource: Type.Optional(Observation)
  }, closed)))
}, closed)
export type Bundle = Static<typeof Bundle>

// The vital-signs profile (observation-vitalsigns) tightens the base: these must be there.
export const VitalSignsQuantity = Type.Object({
  value: decimal,
  unit: string,
  system: Type.Literal('http://unitsofmeasure.org'),
  code
}, closed)

export const VitalSignsObservation = Type.Object({
  resourceType: Type.Literal('Observation'),
  id: Type.Optional(id),
  status: ObservationStatus,
  category: nonEmpty(CodeableConcept),
  code: Type.Object({ coding: nonEmpty(Type.Object({ system: uri, code, display: Type.Optional(string) }, closed)), text: Type.Optional(string) }, closed),
  // 1..1 in the profile, a reference to a Patient (a logical one, by identifier, is a reference)
  subject: Type.Object({
    reference: Type.Optional(string),
    type: Type.Optional(Type.Literal('Patient')),
    identifier: Type.Optional(Identifier),
    display: Type.Optional(string)
  }, closed),
  effectiveDateTime: dateTime,
  valueQuantity: Type.Optional(VitalSignsQuantity),
  component: Type.Optional(nonEmpty(Type.Object({ code: CodeableConcept, valueQuantity: VitalSignsQuantity }, closed))),
  device: Type.Optional(Reference)
}, closed)

const CATEGORY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/observation-category'
const LOINC = 'http://loinc.org'

/** What each vital-signs profile of R4 fixes: the LOINC code, and the UCUM unit(s). */
export const PROFILES: Record<string, { code: string, units: string[], components?: Record<string, string[]> }> = {
  oxygensat: { code: '2708-6', units: ['%'] },
  heartrate: { code: '8867-4', units: ['/min'] },
  bodytemp: { code: '8310-5', units: ['Cel', '[degF]'] },
  bp: { code: '85354-9', units: [], components: { '8480-6': ['mm[Hg]'], '8462-4': ['mm[Hg]'] } }
}

const hasCode = (concept: { coding?: Array<{ system?: string, code?: string }> }, system: string, c: string): boolean =>
  concept.coding?.some((x) => x.system === system && x.code === c) === true

/** The invariants beyond the schemas; returns what is wrong (empty when nothing is). */
export function bundleProblems (bundle: Bundle): string[] {
  const problems: string[] = []
  // bdl-1: total only when a search or history
  if (bundle.total !== undefined && bundle.type !== 'searchset' && bundle.type !== 'history') problems.push('bdl-1: total in a bundle that is not a searchset or history')
  const urls = new Set<string>()
  for (const [i, entry] of (bundle.entry ?? []).entries()) {
    // bdl-7: fullUrl must be unique in a bundle
    if (entry.fullUrl !== undefined) {
      if (urls.has(entry.fullUrl)) problems.push(`bdl-7: entry[${i}].fullUrl ${entry.fullUrl} is not unique`)
      urls.add(entry.fullUrl)
    }
    const o = entry.resource
    if (o === undefined) continue
    const where = `entry[${i}] (${o.code.text ?? ''})`
    for (const q of [o.valueQuantity, ...(o.component ?? []).map((c) => c.valueQuantity)]) {
      if (q?.code !== undefined && q.system === undefined) problems.push(`${where}: qty-3: a unit code without its system`)
    }
    // obs-7: a component with the Observation's own code carries the value, not the Observation
    for (const c of o.component ?? []) {
      if (c.code.coding?.some((x) => hasCode(o.code, x.system ?? '', x.code ?? '')) === true) problems.push(`${where}: obs-7: a component repeats the Observation's code`)
    }
    // vital signs: category vital-signs; vs-2: a value or components; vs-3: every component a value
    if (!(o.category ?? []).some((c) => hasCode(c, CATEGORY_SYSTEM, 'vital-signs'))) problems.push(`${where}: no vital-signs category`)
    if (o.valueQuantity === undefined && (o.component ?? []).length === 0) problems.push(`${where}: vs-2: neither a value nor components`)
    if ((o.component ?? []).some((c) => c.valueQuantity === undefined)) problems.push(`${where}: vs-3: a component without a value`)
    const profile = Object.entries(PROFILES).find(([, p]) => hasCode(o.code, LOINC, p.code))
    if (profile === undefined) { problems.push(`${where}: no vital-signs LOINC code`); continue }
    const [name, p] = profile
    if (o.valueQuantity !== undefined && !p.units.includes(o.valueQuantity.code ?? '')) problems.push(`${where}: ${name}: unit ${String(o.valueQuantity.code)} is not ${p.units.join(' or ')}`)
    // ref-1 in spirit: a reference names something — a literal reference or an identifier
    if (o.subject !== undefined && o.subject.reference === undefined && o.subject.identifier?.value === undefined) problems.push(`${where}: subject names nobody`)
    if (p.components !== undefined) {
      if (o.valueQuantity !== undefined) problems.push(`${where}: ${name}: the panel has a value of its own`)
      // bp: SystolicBP 1..1 and DiastolicBP 1..1
      for (const componentCode of Object.keys(p.components)) {
        const n = (o.component ?? []).filter((c) => hasCode(c.code, LOINC, componentCode)).length
        if (n !== 1) problems.push(`${where}: ${name}: component ${componentCode} ${n} times, not once`)
      }
      for (const c of o.component ?? []) {
        const [componentCode, units] = Object.entries(p.components).find(([cc]) => hasCode(c.code, LOINC, cc)) ?? []
        if (componentCode === undefined || units === undefined) problems.push(`${where}: ${name}: a component that is not ${Object.keys(p.components).join(' or ')}`)
        else if (!units.includes(c.valueQuantity?.code ?? '')) problems.push(`${where}: ${name}: component ${componentCode} in ${String(c.valueQuantity?.code)}`)
      }
    }
  }
  return problems
}
