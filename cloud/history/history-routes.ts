// GET /api/rooms/:room/history?metric=&from=&to=&device=&maxPoints= — a room's history from the
// telemetry store (cloud/store), as series of { ts, value }. State-like metrics (readiness, device
// state, online) start with the state that held at `from` (state-before.ts). What may be asked, and by whom, is in
// history-query.ts; a query the store refuses (InvalidQueryError, e.g. a field name with a dash) is
// a 400. Reads of clinical readings (`reading.*`, only where store.clinical) are audited before the
// data leaves: when the audit log cannot take the entry, nothing is sent.
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify'
import type {} from '@fastify/swagger' // the summary, tags and security of route schemas
import { Type, type Static } from '@sinclair/typebox'
import { SLUG_PATTERN } from '../../protocol/topics.js'
import type { AuditInput } from '../audit/audit-log.js'
import type { HubUser } from '../auth/users.js'
import type { FleetState } from '../fleet-state.js'
import { ErrorResponse, HttpError } from '../http/errors.js'
import { InvalidQueryError, Measurements, type HistorySeries, type TelemetryStore } from '../store/telemetry-store.js'
import { historyAccess, HistoryRequestError, MAX_POINTS, resolveHistoryRequest, type HistoryRequest } from './history-query.js'
import { isStateMetric, lastPointsBefore, withStateBefore } from './state-before.js'

export interface HistoryRoutesOptions {
  fleet: Pick<FleetState, 'get'>
  /** The hub's telemetry store; none: every request is answered 404 not_kept. */
  store?: Pick<TelemetryStore, 'query' | 'clinical'>
  /** Called for every read (and refused attempt) of clinical readings; awaited. */
  audit: (entry: AuditInput) => void | Promise<void>
  clock?: () => number
  log?: FastifyBaseLogger
}

const Params = Type.Object({ room: Type.String({ pattern: SLUG_PATTERN, description: 'the room slug, e.g. rodoy-1' }) })
const Query = Type.Object({
  metric: Type.String({ minLength: 3, maxLength: 200, description: 'measurement.field, e.g. network.rttMs, device_health.stateCode, readiness.levelCode, gateway_status.online, check.passed, reading.spo2' }),
  from: Type.Optional(Type.String({ maxLength: 40, description: 'start: ms since epoch or ISO 8601 (default: 24 h before to)' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'end: ms since epoch or ISO 8601 (default: now)' })),
  device: Type.Optional(Type.String({ pattern: SLUG_PATTERN, description: 'only this device (device_health, reading)' })),
  maxPoints: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_POINTS, description: `points per series at most (default 500); more are averaged into buckets` }))
}, { additionalProperties: false })
type Params = Static<typeof Params>
type Query = Static<typeof Query>

export const HistoryResponse = Type.Object({
  room: Type.String(),
  metric: Type.String(),
  from: Type.Integer({ description: 'ms since epoch, UTC' }),
  to: Type.Integer({ description: 'ms since epoch, UTC' }),
  maxPoints: Type.Integer(),
  series: Type.Array(Type.Object({
    tags: Type.Record(Type.String(), Type.String(), { description: 'what the series is of, e.g. { room, device, kind }' }),
    points: Type.Array(Type.Object({
      ts: Type.Integer({ description: 'ms since epoch, UTC (a bucket\'s start when averaged); before `from` for the state held at `from`' }),
      value: Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()])
    }))
  }))
}, { description: 'a room\'s history of one metric' })

export const historyRoutes: FastifyPluginAsync<HistoryRoutesOptions> = async (app, opts) => {
  if (opts.fleet === undefined) throw new TypeError('historyRoutes needs fleet')
  if (typeof opts.audit !== 'function') throw new TypeError('historyRoutes needs audit: reads of clinical readings are audited (DESIGN.md)')
  const { fleet, store, audit } = opts
  const clock = opts.clock ?? Date.now
  const log = opts.log ?? app.log

  app.get<{ Params: Params, Querystring: Query }>('/api/rooms/:room/history', {
    config: { roles: ['it', 'specialist', 'staff'] },
    schema: {
      summary: 'A room\'s history of one metric, from the telemetry store',
      description: 'Staff: readiness.* and gateway_status.* only. reading.* (patient data) only where the hub keeps it (store.clinical), for it and specialists, audited. ' +
        'State-like metrics (readiness.level, readiness.levelCode, device_health.state, device_health.stateCode, gateway_status.online) are published on change: ' +
        'each of their series starts with its last point before `from` (up to 366 days back), the state that held at `from`, so a series may have maxPoints + 1 points.',
      tags: ['history'],
      security: [{ bearer: [] }],
      params: Params,
      querystring: Query,
      response: { 200: HistoryResponse, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 503: ErrorResponse }
    }
  }, async (request) => {
    const user = request.user as HubUser
    const room = request.params.room
    if (fleet.get(room) === undefined) throw new HttpError(404, 'not_found', `room "${room}" is not configured at this hub`)
    let wanted: HistoryRequest
    try {
      wanted = resolveHistoryRequest(request.query, clock())
    } catch (err) {
      if (err instanceof HistoryRequestError) throw new HttpError(400, 'bad_request', err.message)
      throw err
    }
    const auditBase = { actor: user.name, role: user.role, action: 'history.read', room, ...(wanted.device !== undefined ? { device: wanted.device } : {}) }
    const detail = { metric: wanted.metric, from: wanted.from, to: wanted.to }
    const access = historyAccess(user, room, wanted.measurement, store?.clinical === true)
    if (!access.ok) {
      if (wanted.clinical) await recordOrRefuse({ ...auditBase, detail: { ...detail, reason: access.message }, result: access.code === 'forbidden' ? 'denied' : 'not-kept' }, false)
      throw new HttpError(access.status, access.code, access.message)
    }
    if (store === undefined) throw new HttpError(404, 'not_kept', 'this hub keeps no history (no telemetry store is configured)')
    let series: HistorySeries[]
    const tags = { room, ...(wanted.device !== undefined ? { device: wanted.device } : {}) }
    try {
      series = await store.query({ metric: wanted.metric, tags, from: wanted.from, to: wanted.to, maxPoints: wanted.maxPoints })
      if (isStateMetric(wanted.metric) && wanted.from > 0) {
        // one series per room, except device_health of every device
        const oneSeries = wanted.measurement !== Measurements.deviceHealth || wanted.device !== undefined
        series = withStateBefore(series, await lastPointsBefore(store, wanted.metric, tags, wanted.from, oneSeries), wanted.metric)
      }
    } catch (err) {
      if (err instanceof InvalidQueryError) throw new HttpError(400, 'bad_request', err.message)
      throw err
    }
    if (wanted.clinical) {
      const points = series.reduce((n, s) => n + s.points.length, 0)
      await recordOrRefuse({ ...auditBase, detail: { ...detail, series: series.length, points }, result: 'ok' }, true)
    }
    return { room, metric: wanted.metric, from: wanted.from, to: wanted.to, maxPoints: wanted.maxPoints, series: series.map((s) => ({ tags: s.tags, points: s.points })) }
  })

  /** Audits; when `required` and the audit log fails, the request fails (503) rather than go unaudited. */
  async function recordOrRefuse (entry: AuditInput, required: boolean): Promise<void> {
    try {
      await audit(entry)
    } catch (err) {
      log.error({ err, action: entry.action, room: entry.room }, 'could not write a history read to the audit log')
      if (required) throw new HttpError(503, 'unavailable', 'the audit log cannot be written, so no clinical readings are sent; try again or call IT')
    }
  }
}
