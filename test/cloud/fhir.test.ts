// The FHIR export, checked against TypeBox schemas of FHIR R4 written from the specification
// (fhir-r4-schemas.ts): the mapping of each vital sign (pure), what the hub holds of a consultation
// and for how long (with a clock of our own), and end to end — a real gateway with the Masimo
// oximeter simulator feeding a hub that holds the readings in memory, and a hub that keeps clinical
// readings in its store. Access and audit on every export.
import t, { type Test } from 'tap'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { TSchema } from '@sinclair/typebox'
import { describeInputProblem, type AuditInput } from '../../cloud/audit/audit-log.js'
import { driverFactories } from '../../drivers/registry.js'
import { startSerialSensorSimulator } from '../../drivers/serial-sensor/simulator.js'
import {
  ConsultationReadings, consultationAt, evenlySpaced, fhirRoutes, uuidV5, vitalSampleOf, vitalSignsBundle,
  type FhirBundle, type FhirRoutesOptions, type VitalSample
} from '../../cloud/fhir/index.js'
import { FleetState } from '../../cloud/fleet-state.js'
import { Hub } from '../../cloud/hub.js'
import type { IngestEvents, ReadingEvent } from '../../cloud/ingest.js'
import { TypedEmitter } from '../../cloud/typed-emitter.js'
import type { Consultation, ReadingsMessage } from '../../protocol/messages.js'
import { testLogger, waitFor } from '../helpers/index.js'
import { roomConfig, startGateway } from '../gateway/room-fixture.js'
import { Bundle, bundleProblems, Observation, VitalSignsObservation } from './fhir-r4-schemas.js'
import { connectGateway, healthMsg, publishJson, statusMsg, testConfig, tokens } from './hub-fixtures.js'

const checkers = new Map<TSchema, ReturnType<typeof TypeCompiler.Compile>>()
function errorsOf (schema: TSchema, value: unknown): string[] {
  let checker = checkers.get(schema)
  if (checker === undefined) { checker = TypeCompiler.Compile(schema); checkers.set(schema, checker) }
  return [...checker.Errors(value)].slice(0, 5).map((e) => `${e.path}: ${e.message}`)
}

/** Every check the tests make of an exported bundle: the R4 schemas, the vital-signs shape, the invariants. */
function validate (t: Test, bundle: unknown): FhirBundle {
  t.same(errorsOf(Bundle, bundle), [], 'the Bundle is FHIR R4')
  const b = bundle as FhirBundle
  for (const [i, entry] of b.entry.entries()) {
    const base = errorsOf(Observation, entry.resource)
    const vital = errorsOf(VitalSignsObservation, entry.resource)
    if (base.length > 0 || vital.length > 0) t.fail(`entry[${i}] is not a vital-signs Observation: ${[...base, ...vital].join('; ')}`)
  }
  t.same(bundleProblems(b as never), [], 'bundle and Observation invariants hold')
  t.equal(b.type, 'collection')
  return b
}

const MIN = 60_000
const T0 = Date.parse('2026-11-24T08:30:00Z')
const codes = (b: FhirBundle): string[] => b.entry.map((e) => e.resource.code.coding[0]?.code ?? '?')

t.test('each vital sign becomes the Observation its FHIR profile describes', async (t) => {
  const samples: VitalSample[] = [
    { device: 'spo2-1', ts: T0, values: { spo2: 97, pulse: 72 }, units: { spo2: '%', pulse: '/min' } },
    { device: 'bp-1', ts: T0 + 1000, values: { systolic: 128, diastolic: 84, pulse: 70 }, units: { systolic: 'mmHg', diastolic: 'mmHg', pulse: 'bpm' } },
    { device: 'temp-1', ts: T0 + 2000, values: { temperature: 36.8 }, units: { temperature: '°C' } },
    { device: 'temp-2', ts: T0 + 3000, values: { temperature: 98.2 }, units: { temperature: '°F' } }, // not understood: left out
    { device: 'bp-1', ts: T0 + 4000, values: { systolic: 131, diastolic: 86 } }, // no units (from the store): the name's own
    { device: 'bp-1', ts: T0 + 5000, values: { systolic: 135 }, units: { systolic: 'mmHg' } } // a lone pressure is not a panel
  ]
  const bundle = validate(t, vitalSignsBundle({ room: 'rodoy-1', consultation: 'c-1', samples, deviceName: (d) => d === 'spo2-1' ? 'Pulsoksymeter' : null, now: T0 + MIN }))
  t.same(codes(bundle), ['2708-6', '8867-4', '8867-4', '85354-9', '8310-5', '85354-9'], 'in time order; within a reading SpO2, heart rate, blood pressure, temperature')
  const [spo2, hr, , bp, temp, bpOne] = bundle.entry.map((e) => e.resource)
  t.same(spo2?.code.coding.map((c) => c.code), ['2708-6', '59408-5'], 'SpO2 by pulse oximetry')
  t.same(spo2?.valueQuantity, { value: 97, unit: '%', system: 'http://unitsofmeasure.org', code: '%' })
  t.equal(spo2?.effectiveDateTime, '2026-11-24T08:30:00.000Z', 'the time the device measured it')
  t.same(spo2?.device, { type: 'Device', identifier: { system: 'urn:helserom:device', value: 'rodoy-1/spo2-1' }, display: 'Pulsoksymeter' })
  t.same(spo2?.category, [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }], text: 'Vital Signs' }])
  t.equal(spo2?.status, 'final')
  t.same(spo2?.subject, { type: 'Patient', identifier: { system: 'urn:helserom:consultation-patient', value: 'rodoy-1/c-1' } }, 'the hub has no patient identity: a logical reference to the consultation\'s patient')
  t.same(hr?.valueQuantity, { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' })
  t.notOk(bp?.valueQuantity, 'the panel has no value of its own')
  t.same(bp?.component?.map((c) => [c.code.coding[0]?.code, c.valueQuantity.value, c.valueQuantity.code]), [['8480-6', 128, 'mm[Hg]'], ['8462-4', 84, 'mm[Hg]']])
  t.equal(bp?.device.display, 'bp-1', 'a device without a name shows its id')
  t.same(temp?.valueQuantity, { value: 36.8, unit: '°C', system: 'http://unitsofmeasure.org', code: 'Cel' })
  t.same(bpOne?.component?.map((c) => [c.code.coding[0]?.code, c.valueQuantity.value]), [['8480-6', 131], ['8462-4', 86]], 'a reading from the store')
  t.equal(bundle.entry.length, 6, 'the Fahrenheit thermometer and the lone systolic are left out, not mislabelled or half a panel')
  t.same(bundle.identifier, { system: 'urn:helserom:consultation', value: 'rodoy-1/c-1' })
  t.ok(bundle.entry.every((e) => e.fullUrl === `urn:uuid:${e.resource.id}`))

  const again = vitalSignsBundle({ room: 'rodoy-1', consultation: 'c-1', samples, deviceName: () => null, now: T0 + 2 * MIN })
  t.same(again.entry.map((e) => e.resource.id), bundle.entry.map((e) => e.resource.id), 'the same measurement keeps its id across exports')
  t.not(again.id, bundle.id, 'each export is a bundle of its own')

  const withPatient = validate(t, vitalSignsBundle({ room: 'rodoy-1', consultation: 'c-1', samples: samples.slice(0, 1), deviceName: () => null, now: T0, patient: { system: 'urn:oid:2.16.578.1.12.4.1.2.99' } }))
  t.same(withPatient.entry[0]?.resource.subject, { type: 'Patient', identifier: { system: 'urn:oid:2.16.578.1.12.4.1.2.99', value: 'c-1' } }, 'a logical reference to the consultation\'s patient')
})

t.test('the checks themselves refuse what the vital-signs profile forbids', async (t) => {
  const good = vitalSignsBundle({ room: 'rodoy-1', consultation: 'c-1', samples: [{ device: 'bp-1', ts: T0, values: { systolic: 128, diastolic: 84 } }], deviceName: () => null, now: T0 })
  const panel = good.entry[0]!.resource
  t.same(errorsOf(VitalSignsObservation, panel), [], 'the exported panel passes')
  const { subject, ...withoutSubject } = panel
  t.ok(subject !== undefined && errorsOf(VitalSignsObservation, withoutSubject).length > 0, 'an Observation without a subject does not')
  t.ok(errorsOf(VitalSignsObservation, { ...panel, subject: { type: 'Device', identifier: { value: 'x' } } }).length > 0, 'nor one about a Device')
  const halfPanel = { ...good, entry: [{ ...good.entry[0]!, resource: { ...panel, component: panel.component!.slice(0, 1) } }] }
  t.match(bundleProblems(halfPanel as never), [/component 8462-4 0 times/], 'a panel without its diastolic is a problem')
  t.match(bundleProblems({ ...good, entry: [{ ...good.entry[0]!, resource: { ...panel, subject: { type: 'Patient' } } }] } as never), [/subject names nobody/])
})

t.test('readings as drivers send them: only understood names, units and valid values', async (t) => {
  const reading = (values: Record<string, number | string | null>, units: Record<string, string>, invalid?: string[]): Parameters<typeof vitalSampleOf>[1] =>
    ({ ts: T0, values, units, ...(invalid !== undefined ? { invalid } : {}) })
  t.same(vitalSampleOf('spo2-1', reading({ spo2: 97, pulse: 72, pi: 3.1, pvi: 14 }, { spo2: '%', pulse: '/min', pi: '%', pvi: '%' })), { device: 'spo2-1', ts: T0, values: { spo2: 97, pulse: 72 }, units: { spo2: '%', pulse: '/min' } })
  t.same(vitalSampleOf('spo2-1', reading({ spo2: 42, pulse: 72 }, { spo2: '%', pulse: '/min' }, ['spo2']))?.values, { pulse: 72 }, 'a value flagged invalid is never exported')
  t.equal(vitalSampleOf('spo2-1', reading({ spo2: null, pulse: '--' }, { spo2: '%', pulse: '/min' })), null, 'no numbers: nothing')
  t.equal(vitalSampleOf('bp-1', reading({ systolic: 17 }, { systolic: 'kPa' })), null, 'an unknown unit: nothing')
  t.same(evenlySpaced([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 4), [1, 4, 7, 10])
  t.same(evenlySpaced([1, 2, 3], 4), [1, 2, 3])
  t.match(uuidV5('x'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a version 5 UUID')
  const many: VitalSample[] = Array.from({ length: 100 }, (_, i) => ({ device: 'spo2-1', ts: T0 + i * 1000, values: { spo2: 90 + (i % 10), pulse: 70 } }))
  const thinned = validate(t, vitalSignsBundle({ room: 'rodoy-1', consultation: 'c-1', samples: many, deviceName: () => null, now: T0, maxPerSeries: 5 }))
  t.equal(thinned.entry.length, 10, 'at most maxPerSeries per device and sign')
  const spo2Times = thinned.entry.filter((e) => e.resource.code.coding[0]?.code === '2708-6').map((e) => Date.parse(e.resource.effectiveDateTime))
  t.equal(spo2Times[0], T0, 'the first reading')
  t.equal(spo2Times.at(-1), T0 + 99_000, 'and the last')
})

/** An ingest stand-in that we drive by hand (the real one needs a broker; this test is about time). */
class ScriptedIngest extends TypedEmitter<IngestEvents> {
  schedule (fleet: FleetState, room: string, schedule: Consultation[]): void {
    fleet.applySchedule(room, schedule)
    const state = fleet.get(room)
    if (state !== undefined) this.emit('room', { room, part: 'schedule', state })
  }

  reading (room: string, device: string, reading: ReadingsMessage): void {
    const event: ReadingEvent = { room, device, reading, historical: reading.historical === true, receivedAt: Date.now() }
    this.emit('reading', event)
  }
}

t.test('what the hub holds of a consultation, and when it lets go', async (t) => {
  let now = T0
  const fleet = new FleetState([{ room: 'rodoy-1', name: 'Helserom Rødøy' }])
  const ingest = new ScriptedIngest()
  const held = new ConsultationReadings({ ingest, fleet, holdReadings: true, clock: () => now, beforeMinutes: 10, afterMinutes: 30, keepMinutes: 60, maxSamples: 8 })
  t.teardown(() => held.close())
  ingest.schedule(fleet, 'rodoy-1', [
    { id: 'c-1', start: T0, minutes: 30, profile: 'ortopedi' },
    { id: 'c-2', start: T0 + 30 * MIN, minutes: 30, profile: 'ortopedi' }
  ])
  const reading = (ts: number, spo2: number, extra: Partial<ReadingsMessage> = {}): ReadingsMessage => ({ ts, boot: 'b', seq: ts, values: { spo2, pulse: 70, pi: 2 }, units: { spo2: '%', pulse: '/min', pi: '%' }, ...extra })
  ingest.reading('rodoy-1', 'spo2-1', reading(T0 - 20 * MIN, 90)) // before any window
  ingest.reading('rodoy-1', 'spo2-1', reading(T0 - 5 * MIN, 91)) // early: c-1
  ingest.reading('rodoy-1', 'spo2-1', reading(T0 + 29 * MIN, 92)) // c-1
  ingest.reading('rodoy-1', 'spo2-1', reading(T0 + 31 * MIN, 93)) // c-2 runs now, though c-1 may overrun
  ingest.reading('rodoy-1', 'spo2-1', reading(T0 + 10 * MIN, 94, { historical: true })) // replayed from the spool: c-1
  ingest.reading('donna-1', 'spo2-1', reading(T0, 95)) // another room

  const c1 = held.find('rodoy-1', 'c-1')
  t.equal(c1.kind, 'held')
  if (c1.kind !== 'held') return
  t.same(c1.held.samples.map((s) => s.values.spo2), [91, 92, 94])
  t.same(c1.held.samples[0]?.values, { spo2: 91, pulse: 70 }, 'only what the export understands is held')
  const c2 = held.find('rodoy-1', 'c-2')
  t.same(c2.kind === 'held' ? c2.held.samples.map((s) => s.values.spo2) : null, [93])
  t.equal(held.find('rodoy-1', 'c-3').kind, 'unknown')

  for (let i = 0; i < 10; i++) ingest.reading('rodoy-1', 'spo2-1', reading(T0 + i * 1000, 80 + i))
  t.ok(c1.held.samples.length < 8, `bounded: ${c1.held.samples.length} samples held`)
  t.ok(c1.held.thinned > 0, 'thinned, and counted')

  now = T0 + (30 + 30 + 60) * MIN - 1
  t.equal(held.find('rodoy-1', 'c-1').kind, 'held', 'kept until keepMinutes after the window')
  now += 2
  const gone = held.find('rodoy-1', 'c-1')
  t.equal(gone.kind, 'expired', 'then dropped')
  t.equal(gone.kind === 'expired' ? gone.droppedAt : 0, now)
  t.equal(held.find('rodoy-1', 'c-2').kind, 'held', 'the next consultation is still held')
  ingest.schedule(fleet, 'rodoy-1', [{ id: 'c-1', start: T0, minutes: 30, profile: 'ortopedi' }])
  t.equal(held.find('rodoy-1', 'c-1').kind, 'expired', 'a schedule that still lists it does not bring it back')

  t.equal(consultationAt([], T0), undefined)
})

interface Rig {
  hub: Hub
  audits: AuditInput[]
  get: (room: string, id: string, token?: string, query?: string) => Promise<{ status: number, type: string, body: any }>
}

async function hubWithFhir (t: Test, options: { clinical?: boolean, audit?: FhirRoutesOptions['audit'], patient?: { system: string } } = {}): Promise<Rig> {
  const config = await testConfig(t, { store: { kind: 'embedded', clinical: options.clinical ?? false, persist: false } })
  const hub = new Hub(config, { logger: testLogger(), store: 'from-config', deviceRoutes: false })
  t.teardown(async () => await hub.stop())
  const audits: AuditInput[] = []
  const app = await hub.app()
  await app.register(fhirRoutes, {
    fleet: hub.fleet,
    ingest: hub.ingest,
    ...(hub.store !== undefined ? { store: hub.store } : {}),
    audit: options.audit ?? ((e) => {
      const problem = describeInputProblem(e) // an entry the hub's audit log (cloud/audit) takes
      if (problem !== null) throw new Error(`an audit entry the audit log would refuse: ${problem}`)
      audits.push(e)
    }),
    ...(options.patient !== undefined ? { patient: options.patient } : {})
  })
  await hub.start()
  const get = async (room: string, id: string, token: string = tokens.specialist, query = ''): Promise<{ status: number, type: string, body: any }> => {
    const res = await fetch(`${hub.urls!.http}/api/rooms/${room}/consultations/${encodeURIComponent(id)}/fhir${query}`, { headers: { authorization: `Bearer ${token}` } })
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.json() }
  }
  return { hub, audits, get }
}

t.test('end to end: the oximeter\'s readings during a consultation, held in memory, as a FHIR bundle', async (t) => {
  const { hub, audits, get } = await hubWithFhir(t)
  const oximeter = await startSerialSensorSimulator({ tcpPort: 0, intervalMs: 200, protocol: 'masimo-ascii', seed: 7 })
  t.teardown(async () => await oximeter.stop())
  const relayed: ReadingsMessage[] = []
  hub.ingest.on('reading', (e) => { if (e.device === 'spo2-1') relayed.push(e.reading) })
  const now = Date.now()
  await hub.publishSchedule('rodoy-1', [
    { id: 'c-1', start: now - MIN, minutes: 30, profile: 'ortopedi' },
    { id: 'c-later', start: now + 3 * 60 * MIN, minutes: 30, profile: 'ortopedi' }
  ])
  await startGateway(t, roomConfig(t, {
    room: 'rodoy-1',
    hub: { url: hub.urls!.mqtt, username: 'rodoy-1', password: 'rodoy-secret-password' },
    devices: [{ id: 'spo2-1', name: 'Pulsoksymeter', kind: 'serial-sensor', ...oximeter.deviceConfig, expectedIntervalMs: 200 }],
    profiles: { ortopedi: { label: { nb: 'Ortopedi', en: 'Orthopaedics' }, requires: ['spo2-1'] } },
    network: { enabled: false },
    check: { enabled: false }
  }), driverFactories)
  await waitFor('readings from the oximeter at the hub', () => relayed.filter((r) => typeof r.values.spo2 === 'number').length >= 10, { timeoutMs: 30_000 })

  const res = await get('rodoy-1', 'c-1')
  t.equal(res.status, 200)
  t.match(res.type, /^application\/fhir\+json/)
  const bundle = validate(t, res.body)
  const spo2 = bundle.entry.filter((e) => e.resource.code.coding[0]?.code === '2708-6')
  const hr = bundle.entry.filter((e) => e.resource.code.coding[0]?.code === '8867-4')
  t.ok(spo2.length >= 10 && hr.length >= 10, `SpO2 (${spo2.length}) and heart rate (${hr.length}) Observations`)
  t.equal(new Set(codes(bundle)).size, 2, 'nothing but SpO2 and heart rate (pi is relayed, not exported)')
  t.ok(bundle.entry.every((e) => e.resource.device.display === 'Pulsoksymeter'), 'the device as staff know it')
  // Each Observation is one of the readings the hub relayed, value and time.
  const byTime = new Map(relayed.map((r) => [new Date(r.ts).toISOString(), r]))
  for (const e of spo2) {
    const r = byTime.get(e.resource.effectiveDateTime)
    if (r === undefined || r.values.spo2 !== e.resource.valueQuantity?.value) t.fail(`SpO2 at ${e.resource.effectiveDateTime} is not a relayed reading`)
  }
  t.same(audits, [{ actor: 'spesialist-1', role: 'specialist', action: 'fhir.export', room: 'rodoy-1', detail: { consultation: 'c-1', observations: bundle.entry.length, source: 'memory' }, result: 'ok' }])

  const few = await get('rodoy-1', 'c-1', tokens.it, '?maxPerSeries=3')
  t.equal(validate(t, few.body).entry.length, 6, 'maxPerSeries')
  const later = await get('rodoy-1', 'c-later')
  t.equal(later.status, 200, 'a consultation that has not started')
  t.same(validate(t, later.body).entry, [])
  const unknown = await get('rodoy-1', 'c-9')
  t.equal(unknown.status, 404)
  t.match(unknown.body.error.message, /no consultation "c-9"/)
  t.equal((await get('rodoy-1', 'c-1', tokens.staff)).status, 403, 'staff never')
  const otherRoom = await get('donna-1', 'c-1')
  t.equal(otherRoom.status, 403, 'a room the specialist does not have')
  t.match(audits.at(-1), { actor: 'spesialist-1', room: 'donna-1', result: /^denied/ }, 'the refused attempt is audited')
})

t.test('end to end with store.clinical: blood pressure, temperature and SpO2 from the store', async (t) => {
  const { hub, audits, get } = await hubWithFhir(t, { clinical: true, patient: { system: 'https://helse-nord.example/booking' } })
  const start = Date.now() - 10 * MIN
  await hub.publishSchedule('rodoy-1', [{ id: 'c-7', start, minutes: 30, profile: 'ortopedi' }])
  await waitFor('the schedule at the hub', () => hub.fleet.get('rodoy-1')?.schedule?.[0]?.id === 'c-7')
  const gw = await connectGateway(t, hub.urls!.mqtt, 'rodoy-1')
  await publishJson(gw, 'helserom/v1/rodoy-1/status', statusMsg(true), true)
  await publishJson(gw, 'helserom/v1/rodoy-1/devices/bp-1/health', { ...healthMsg(), kind: 'serial-sensor', name: 'Blodtrykksmåler' }, true)
  const send = async (device: string, seq: number, ts: number, values: Record<string, number>, units: Record<string, string>, invalid?: string[]): Promise<void> =>
    await publishJson(gw, `helserom/v1/rodoy-1/devices/${device}/readings`, { ts, boot: 'b1', seq, values, units, ...(invalid !== undefined ? { invalid } : {}) })
  await send('bp-1', 1, start + 2 * MIN, { systolic: 128, diastolic: 84, pulse: 66 }, { systolic: 'mmHg', diastolic: 'mmHg', pulse: '/min' })
  await send('temp-1', 1, start + 3 * MIN, { temperature: 37.2 }, { temperature: '°C' })
  await send('spo2-1', 1, start + 4 * MIN, { spo2: 96, pulse: 71 }, { spo2: '%', pulse: '/min' })
  await send('spo2-1', 2, start + 5 * MIN, { spo2: 61, pulse: 72 }, { spo2: '%', pulse: '/min' }, ['spo2'])
  await send('spo2-1', 3, start - 60 * MIN, { spo2: 95, pulse: 70 }, { spo2: '%', pulse: '/min' }) // an hour before: another consultation's
  await send('temp-2', 1, start + 6 * MIN, { temperature: 99.1 }, { temperature: '°F' })
  await waitFor('readings ingested', () => hub.fleet.get('rodoy-1')?.readings.accepted === 6)
  await hub.store?.flush()

  const res = await get('rodoy-1', 'c-7')
  t.equal(res.status, 200)
  const bundle = validate(t, res.body)
  t.same(bundle.entry.map((e) => [e.resource.code.coding[0]?.code, e.resource.device.identifier?.value]), [
    ['8867-4', 'rodoy-1/bp-1'],
    ['85354-9', 'rodoy-1/bp-1'],
    ['8310-5', 'rodoy-1/temp-1'],
    ['2708-6', 'rodoy-1/spo2-1'],
    ['8867-4', 'rodoy-1/spo2-1'],
    ['8867-4', 'rodoy-1/spo2-1']
  ], 'in time order; the flagged SpO2, the reading before the window and the °F thermometer are not there')
  const bp = bundle.entry[1]?.resource
  t.same(bp?.component?.map((c) => `${c.code.coding[0]?.code}=${c.valueQuantity.value} ${c.valueQuantity.code}`), ['8480-6=128 mm[Hg]', '8462-4=84 mm[Hg]'])
  t.equal(bp?.device.display, 'Blodtrykksmåler')
  t.same(bp?.subject, { type: 'Patient', identifier: { system: 'https://helse-nord.example/booking', value: 'c-7' } })
  t.same(bundle.entry[2]?.resource.valueQuantity, { value: 37.2, unit: '°C', system: 'http://unitsofmeasure.org', code: 'Cel' })
  t.match(audits, [{ action: 'fhir.export', detail: { consultation: 'c-7', observations: 6, source: 'store' }, result: 'ok' }])
})

t.test('an export whose audit cannot be written sends nothing', async (t) => {
  const { hub, get } = await hubWithFhir(t, { audit: () => { throw new Error('audit disk full') } })
  await hub.publishSchedule('rodoy-1', [{ id: 'c-1', start: Date.now() - MIN, minutes: 30, profile: 'ortopedi' }])
  await waitFor('the schedule at the hub', () => hub.fleet.get('rodoy-1')?.schedule?.[0]?.id === 'c-1')
  const res = await get('rodoy-1', 'c-1', tokens.it)
  t.equal(res.status, 503)
  t.equal(res.body.error.code, 'unavailable')
  t.notOk(res.body.resourceType)
})
