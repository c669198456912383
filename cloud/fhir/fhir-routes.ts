// GET /api/rooms/:room/consultations/:id/fhir — a consultation's sensor readings as a FHIR R4 Bundle
// (vital-signs-bundle.ts), `application/fhir+json`. it, or a specialist in one of their rooms; every
// export (and every refused attempt) is audited, and nothing leaves when the audit log fails.
// Where the readings come from — "what the hub holds for that consultation":
//   store.clinical true   the telemetry store (reading.spo2, reading.pulse … over the consultation's window)
//   store.clinical false  the readings held in memory for a running or recent consultation
//                         (consultation-readings.ts); 410 once they have been dropped
// An unknown consultation is 404; one that has not started yet gives an empty bundle.
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify'
import type {} from '@fastify/swagger' // the summary, tags and security of route schemas
import { Type, type Static } from '@sinclair/typebox'
import { SLUG_PATTERN } from '../../protocol/topics.js'
import type { AuditInput } from '../audit/audit-log.js'
import { canSeeReadings, canSeeRoom, type HubUser } from '../auth/users.js'
import type { FleetState } from '../fleet-state.js'
import { ErrorResponse, HttpError } from '../http/errors.js'
import type { Ingest } from '../ingest.js'
import type { TelemetryStore } from '../store/telemetry-store.js'
import { ConsultationReadings, type ConsultationReadingsOptions, type HeldConsultation } from './consultation-readings.js'
import { DEFAULT_MAX_PER_SERIES, vitalSignsBundle, type VitalSample } from './vital-signs-bundle.js'
import { READING_NAMES, type ReadingName } from './vital-signs.js'

export interface FhirRoutesOptions {
  fleet: Pick<FleetState, 'get' | 'list'>
  ingest: Pick<Ingest, 'on'>
  /** The hub's telemetry store. With store.clinical the readings come from there, else from memory. */
  store?: Pick<TelemetryStore, 'query' | 'clinical'>
  /** Called for every export and refused attempt; awaited, and an export fails (503) when it throws. */
  audit: (entry: AuditInput) => void | Promise<void>
  /** Observation.subject as a logical reference to the consultation's patient in this system (see vital-signs-bundle.ts). */
  patient?: { system: string }
  /** How consultations are tracked and how long held readings are kept (consultation-readings.ts). */
  consultations?: Omit<ConsultationReadingsOptions, 'ingest' | 'fleet' | 'holdReadings' | 'clock'>
  clock?: () => number
  log?: FastifyBaseLogger
}

const Params = Type.Object({
  room: Type.String({ pattern: SLUG_PATTERN, description: 'the room slug, e.g. rodoy-1' }),
  id: Type.String({ minLength: 1, maxLength: 200, description: 'the consultation id, as in the room\'s schedule' })
})
const Query = Type.Object({
  maxPerSeries: Type.Optional(Type.Integer({ minimum: 2, maximum: 100_000, description: `Observations per device and vital sign at most (default ${DEFAULT_MAX_PER_SERIES}); evenly spaced readings beyond that` }))
}, { additionalProperties: false })
type Params = Static<typeof Params>
type Query = Static<typeof Query>

const FhirBundleDoc = Type.Object({
  resourceType: Type.Literal('Bundle'),
  type: Type.Literal('collection'),
  timestamp: Type.String(),
  entry: Type.Array(Type.Object({ fullUrl: Type.String(), resource: Type.Object({ resourceType: Type.Literal('Observation') }, { additionalProperties: true }) }))
}, { additionalProperties: true, description: 'a FHIR R4 Bundle (collection) of vital-signs Observations, as application/fhir+json' })

export const fhirRoutes: FastifyPluginAsync<FhirRoutesOptions> = async (app, opts) => {
  if (opts.fleet === undefined || opts.ingest === undefined) throw new TypeError('fhirRoutes needs fleet and ingest')
  if (typeof opts.audit !== 'function') throw new TypeError('fhirRoutes needs audit: every export of patient data is audited (DESIGN.md)')
  if (opts.patient !== undefined && !/^\S+:\S+$/.test(opts.patient.system)) throw new TypeError(`patient.system must be a URI (e.g. urn:oid:… or https://…), got "${opts.patient.system}"`)
  const { fleet, store, audit } = opts
  const clock = opts.clock ?? Date.now
  const log = opts.log ?? app.log
  const fromStore = store?.clinical === true
  const consultations = new ConsultationReadings({ ...opts.consultations, ingest: opts.ingest, fleet: opts.fleet, holdReadings: !fromStore, clock })
  app.addHook('onClose', async () => consultations.close())

  const record = async (entry: AuditInput, required: boolean): Promise<void> => {
    try {
      await audit(entry)
    } catch (err) {
      log.error({ err, action: entry.action, room: entry.room }, 'could not write a FHIR export to the audit log')
      if (required) throw new HttpError(503, 'unavailable', 'the audit log cannot be written, so no patient data is sent; try again or call IT')
    }
  }

  app.get<{ Params: Params, Querystring: Query }>('/api/rooms/:room/consultations/:id/fhir', {
    config: { roles: ['it', 'specialist'] },
    schema: {
      summary: 'A consultation\'s sensor readings as a FHIR R4 Bundle of vital-signs Observations',
      description: 'SpO2 (LOINC 2708-6, 59408-5), heart rate (8867-4), blood pressure (85354-9 with 8480-6/8462-4), body temperature (8310-5), UCUM units. ' +
        'From the telemetry store where the hub keeps clinical readings, else from what it holds in memory for a running or recent consultation (410 once dropped). ' +
        'No patient identity: subject is a logical reference to the consultation\'s patient (urn:helserom:consultation-patient, or the configured booking system). Audited.',
      tags: ['fhir'],
      security: [{ bearer: [] }],
      params: Params,
      querystring: Query,
      produces: ['application/fhir+json'],
      response: { 200: FhirBundleDoc, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 410: ErrorResponse, 503: ErrorResponse }
    }
  }, async (request, reply) => {
    const user = request.user as HubUser
    const { room, id } = request.params
    const state = fleet.get(room)
    if (state === undefined) throw new HttpError(404, 'not_found', `room "${room}" is not configured at this hub`)
    const base = { actor: user.name, role: user.role, action: 'fhir.export', room }
    if (!canSeeRoom(user, room) || !canSeeReadings(user, room)) {
      await record({ ...base, detail: { consultation: id, reason: 'not one of the user\'s rooms' }, result: 'denied' }, false)
      throw new HttpError(403, 'forbidden', `${user.name} may not see the readings of room "${room}"`)
    }
    const found = consultations.find(room, id)
    if (found.kind === 'unknown') throw new HttpError(404, 'not_found', `the hub knows no consultation "${id}" in ${room} (it learns them from the room's schedule)`)
    if (found.kind === 'expired') {
      throw new HttpError(410, 'gone', `the readings of consultation "${id}" were dropped at ${new Date(found.droppedAt).toISOString()}: ` +
        'this hub holds readings only for a while after a consultation (store.clinical is false)')
    }
    const held = found.held
    let samples: readonly VitalSample[]
    try {
      samples = fromStore && store !== undefined ? await samplesFromStore(store, held, clock()) : held.samples
    } catch (err) {
      log.error({ err, room, consultation: id }, 'could not read a consultation\'s readings from the store')
      throw new HttpError(503, 'unavailable', 'the telemetry store did not answer; try again shortly')
    }
    const bundle = vitalSignsBundle({
      room,
      consultation: id,
      samples,
      deviceName: (device) => fleet.get(room)?.devices[device]?.name ?? null,
      now: clock(),
      maxPerSeries: request.query.maxPerSeries ?? DEFAULT_MAX_PER_SERIES,
      ...(opts.patient !== undefined ? { patient: opts.patient } : {})
    })
    await record({
      ...base,
      detail: { consultation: id, observations: bundle.entry.length, source: fromStore ? 'store' : 'memory', ...(held.thinned > 0 ? { thinned: held.thinned } : {}) },
      result: 'ok'
    }, true)
    return await reply.type('application/fhir+json; charset=utf-8').send(JSON.stringify(bundle))
  })
}

/** The consultation's readings from the store: one query per name, joined by (device, time). */
async function samplesFromStore (store: Pick<TelemetryStore, 'query'>, held: HeldConsultation, now: number): Promise<VitalSample[]> {
  const to = Math.min(held.windowEnd, now)
  if (to < held.windowStart) return [] // not started yet
  const samples = new Map<string, VitalSample>()
  for (const name of Object.keys(READING_NAMES) as ReadingName[]) {
    const series = await store.query({ metric: `reading.${name}`, tags: { room: held.room }, from: held.windowStart, to })
    for (const s of series) {
      const device = s.tags.device
      if (device === undefined) continue
      for (const point of s.points) {
        if (typeof point.value !== 'number') continue
        const k = `${device}\u0000${point.ts}`
        const units = held.units[device]
        const sample = samples.get(k) ?? { device, ts: point.ts, values: {}, ...(units !== undefined ? { units } : {}) }
        sample.values[name] = point.value
        samples.set(k, sample)
      }
    }
  }
  return [...samples.values()]
}
