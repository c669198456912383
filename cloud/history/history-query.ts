// What a history request asks for, and whether the caller may have it (pure; no store, no HTTP):
//   metric     `measurement.field` with a measurement the hub writes (Measurements: network.rttMs,
//              device_health.stateCode, readiness.levelCode, gateway_status.online, check.passed,
//              reading.spo2 …); the field name is checked by the store (InvalidQueryError → 400)
//   from, to   ms since epoch or ISO 8601 (`2026-11-24T09:30:00+01:00`); default: the last 24 h up to
//              now; from ≤ to, at most 366 days apart
//   device     a device id (slug), for the measurements that have one
//   maxPoints  per series, 1–10000 (default 500); more points are averaged into buckets by the store
// Who may read what mirrors the live views (cloud/auth/users.ts): staff only readiness and gateway
// status of their rooms; it and specialists everything of their rooms, except that `reading.*` —
// patient data — exists only where the deployment keeps it (store.clinical) and goes to it and
// specialists only, each read audited.
import { canSeeReadings, canSeeRoom, type HubUser } from '../auth/users.js'
import { Measurements } from '../store/telemetry-store.js'

export const DEFAULT_SPAN_MS = 24 * 3600_000
export const MAX_SPAN_MS = 366 * 24 * 3600_000
export const DEFAULT_MAX_POINTS = 500
export const MAX_POINTS = 10_000

const KNOWN_MEASUREMENTS: ReadonlySet<string> = new Set(Object.values(Measurements))
/** What staff see of a room's history: what the readiness light shows. */
const STAFF_MEASUREMENTS: ReadonlySet<string> = new Set([Measurements.readiness, Measurements.gatewayStatus])

export interface HistoryParams {
  metric: string
  from?: string
  to?: string
  device?: string
  maxPoints?: number
}

export interface HistoryRequest {
  metric: string
  measurement: string
  field: string
  from: number
  to: number
  maxPoints: number
  device?: string
  /** Patient data (measurement `reading`): audited. */
  clinical: boolean
}

/** A request that cannot be answered as asked: 400 with this message. */
export class HistoryRequestError extends Error {
  override readonly name = 'HistoryRequestError'
}

/** A time as ms since epoch: an integer of ms, or an ISO 8601 date or date-time. */
export function parseTime (text: string, what: 'from' | 'to'): number {
  const trimmed = text.trim()
  if (/^\d{1,16}$/.test(trimmed)) return Number(trimmed)
  // Date.parse accepts much more than ISO 8601 (and reads some of it as local time); only ISO here.
  if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(trimmed)) {
    const ms = Date.parse(trimmed)
    if (Number.isFinite(ms) && ms >= 0) return ms
  }
  throw new HistoryRequestError(`${what} "${text.slice(0, 40)}" is neither ms since epoch nor an ISO 8601 time (e.g. 2026-11-24T09:30:00+01:00)`)
}

/** The request with its defaults filled in; throws HistoryRequestError saying what is wrong. */
export function resolveHistoryRequest (params: HistoryParams, now: number): HistoryRequest {
  const metric = params.metric
  const dot = metric.indexOf('.')
  if (dot <= 0 || dot === metric.length - 1) throw new HistoryRequestError(`metric "${metric.slice(0, 80)}" is not measurement.field (e.g. network.rttMs)`)
  const measurement = metric.slice(0, dot)
  if (!KNOWN_MEASUREMENTS.has(measurement)) {
    throw new HistoryRequestError(`the hub keeps no measurement "${measurement.slice(0, 40)}" (known: ${[...KNOWN_MEASUREMENTS].join(', ')})`)
  }
  const to = params.to !== undefined ? parseTime(params.to, 'to') : now
  const from = params.from !== undefined ? parseTime(params.from, 'from') : Math.max(0, to - DEFAULT_SPAN_MS)
  if (from > to) throw new HistoryRequestError(`from (${new Date(from).toISOString()}) is after to (${new Date(to).toISOString()})`)
  if (to - from > MAX_SPAN_MS) throw new HistoryRequestError(`from and to are more than ${MAX_SPAN_MS / (24 * 3600_000)} days apart; ask for less`)
  const maxPoints = params.maxPoints ?? DEFAULT_MAX_POINTS
  if (!Number.isInteger(maxPoints) || maxPoints < 1 || maxPoints > MAX_POINTS) throw new HistoryRequestError(`maxPoints must be 1–${MAX_POINTS}`)
  return {
    metric,
    measurement,
    field: metric.slice(dot + 1),
    from,
    to,
    maxPoints,
    ...(params.device !== undefined ? { device: params.device } : {}),
    clinical: measurement === Measurements.reading
  }
}

export type HistoryAccess =
  | { ok: true }
  | { ok: false, status: 403 | 404, code: 'forbidden' | 'not_kept', message: string }

/** May `user` read `measurement` of `room` at a hub that keeps clinical readings or not? */
export function historyAccess (user: HubUser, room: string, measurement: string, clinicalKept: boolean): HistoryAccess {
  if (!canSeeRoom(user, room)) return { ok: false, status: 403, code: 'forbidden', message: `${user.name} may not see room "${room}"` }
  if (measurement === Measurements.reading) {
    if (!canSeeReadings(user, room)) return { ok: false, status: 403, code: 'forbidden', message: `the ${user.role} role may not read patients' sensor readings` }
    if (!clinicalKept) {
      return { ok: false, status: 404, code: 'not_kept', message: 'this hub does not keep sensor readings (store.clinical is false): they are relayed live and not stored' }
    }
    return { ok: true }
  }
  if (user.role === 'staff' && !STAFF_MEASUREMENTS.has(measurement)) {
    return { ok: false, status: 403, code: 'forbidden', message: `staff may read the history of ${[...STAFF_MEASUREMENTS].join(' and ')} only` }
  }
  return { ok: true }
}
