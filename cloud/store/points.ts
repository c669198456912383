// What the hub keeps of each wire message: a pure mapping from a decoded message (and its room) to
// telemetry points named as in `Measurements`. No I/O, no clock but the one handed in.
//
// Every point carries the message's own `ts`, so a message replayed from a gateway's spool after an
// outage (historical: true) lands at the time it was measured, not when it arrived. Clinical readings
// become points only when the deployment keeps them (store.clinical); values a driver flagged as
// invalid are not kept either (the contract: "shown, never taken as truth").
import type { Decoded } from '../../protocol/validate.js'
import type { HealthState, ReadinessLevel } from '../../protocol/messages.js'
import { Measurements, type FieldValue, type TelemetryPoint } from './telemetry-store.js'

export const STATE_CODES: Record<HealthState, number> = { ok: 0, degraded: 1, down: 2, unknown: 3 }
export const LEVEL_CODES: Record<ReadinessLevel, number> = { green: 0, amber: 1, red: 2 }

export interface PointsOptions {
  /** Keep clinical readings (hub config `store.clinical`). */
  clinical: boolean
  /** When the message arrived: the time of a `status` without `ts` (a gateway's Last Will has none). */
  receivedAt: number
}

/** Field names keep to `[A-Za-z0-9_]` (queries name them as `measurement.field`): `fps-in` → `fps_in`. */
export function fieldName (name: string): string | null {
  const cleaned = name.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 100)
  return /^_*$/.test(cleaned) || cleaned === 'time' ? null : cleaned
}

/** Numbers (finite) and booleans (as 0/1) of a record, under cleaned names, never overwriting `taken`. */
function numericFields (values: Record<string, unknown>, taken: Record<string, FieldValue>, skip: ReadonlySet<string> = new Set()): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {}
  for (const [name, value] of Object.entries(values)) {
    if (skip.has(name)) continue
    let n: number
    if (typeof value === 'number' && Number.isFinite(value)) n = value
    else if (typeof value === 'boolean') n = value ? 1 : 0
    else continue
    const key = fieldName(name)
    if (key === null || key in taken || key in out) continue
    out[key] = n
  }
  return out
}

function point (measurement: string, tags: Record<string, string>, fields: Record<string, FieldValue>, ts: number): TelemetryPoint[] {
  return Object.keys(fields).length > 0 ? [{ measurement, tags, fields, ts }] : []
}

/** The points a decoded message becomes; none for commands, results and schedules. */
export function pointsOf (decoded: Decoded, options: PointsOptions): TelemetryPoint[] {
  const room = decoded.topic.room
  switch (decoded.kind) {
    case 'network': {
      const { ts, ...values } = decoded.message
      return point(Measurements.network, { room }, numericFields(values, {}), ts)
    }
    case 'health': {
      const m = decoded.message
      const base: Record<string, FieldValue> = { state: m.state, stateCode: STATE_CODES[m.state] }
      // `kind` is a tag (e.g. onvif-camera); tag values may not hold a backslash or control characters.
      const kind = m.kind.replace(/[\u0000-\u001f\u007f\\]/g, '_')
      return point(Measurements.deviceHealth, { room, device: decoded.topic.device, kind }, { ...base, ...numericFields(m.metrics, base) }, m.ts)
    }
    case 'readiness': {
      const m = decoded.message
      return point(Measurements.readiness, { room }, { level: m.level, levelCode: LEVEL_CODES[m.level], reasons: m.reasons.length }, m.ts)
    }
    case 'status': {
      const m = decoded.message
      return point(Measurements.gatewayStatus, { room }, { online: m.online ? 1 : 0 }, m.ts ?? options.receivedAt)
    }
    case 'check': {
      const m = decoded.message
      return point(Measurements.check, { room }, { passed: m.passed ? 1 : 0, failedSteps: m.steps.filter((s) => !s.passed).length }, m.ts)
    }
    case 'readings': {
      if (!options.clinical) return []
      const m = decoded.message
      const values: Record<string, unknown> = {}
      for (const [name, value] of Object.entries(m.values)) if (typeof value === 'number') values[name] = value
      return point(Measurements.reading, { room, device: decoded.topic.device }, numericFields(values, {}, new Set(m.invalid ?? [])), m.ts)
    }
    default:
      return []
  }
}
