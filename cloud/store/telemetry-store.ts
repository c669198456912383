// The hub's telemetry store: one interface, two implementations (InfluxDB 1.x and an embedded
// in-process store) that pass the same abstract test suite (test/cloud/store/store-contract.ts).
// The hub writes what it ingests as points; the history API and the dashboards read series back.

/** Measurement names the hub writes; Grafana dashboards and the history API use the same names. */
export const Measurements = {
  /** tags: room · fields: rttMs, jitterMs, lossPct, upMbps, downMbps, ifaceUtilPct */
  network: 'network',
  /** tags: room, device, kind · fields: state (text), stateCode (0 ok, 1 degraded, 2 down, 3 unknown), plus numeric metrics */
  deviceHealth: 'device_health',
  /** tags: room · fields: level (text), levelCode (0 green, 1 amber, 2 red), reasons (count) */
  readiness: 'readiness',
  /** tags: room · fields: online (0/1) */
  gatewayStatus: 'gateway_status',
  /** tags: room · fields: passed (0/1), failedSteps */
  check: 'check',
  /** tags: room, device · fields: the reading's numeric values. Clinical: only written when store.clinical is true. */
  reading: 'reading'
} as const

export type FieldValue = number | string | boolean

/**
 * One point of one series. A series is (measurement, tags); writing a point whose series and `ts`
 * match a stored one replaces the fields it names (InfluxDB's rule, kept by every store), so
 * writing the same point twice stores it once.
 *
 * Names are checked on write (cloud/store/point-rules.ts): measurement `[a-z_]+`, field names
 * `[A-Za-z0-9_]+`, tag keys `[a-z][A-Za-z0-9_]*`, tag values 1–256 printable characters without
 * a backslash, numbers finite, text without control characters, `ts` a positive integer. A point
 * that breaks a rule is refused whole and counted in `StoreHealth.rejected`.
 */
export interface TelemetryPoint {
  measurement: string
  tags: Record<string, string>
  fields: Record<string, FieldValue>
  /** ms since epoch, UTC */
  ts: number
}

export interface HistoryQuery {
  /** A measurement and field as `measurement.field`, e.g. `network.rttMs`, `device_health.stateCode`. */
  metric: string
  /** Tag filters, e.g. `{ room: 'rodoy-1', device: 'cam-1' }`; `room` is always given by the hub. */
  tags: Record<string, string>
  from: number
  to: number
  /**
   * At most this many points per series. A series with more points in [from, to] is cut into
   * maxPoints buckets of equal width starting at `from` (width = ceil((to - from + 1) / maxPoints) ms);
   * each non-empty bucket gives one point at its start: the mean of the numbers, or the last value
   * of text and booleans. A series with at most maxPoints points is returned as stored.
   */
  maxPoints?: number
}

/**
 * A query the store refuses: an unknown-looking metric name, a tag key or value that could smuggle
 * syntax into a query, a bad time range. The history API answers it with 400.
 */
export class InvalidQueryError extends Error {
  override readonly name = 'InvalidQueryError'
}

export interface HistoryPoint {
  ts: number
  value: FieldValue | null
}

export interface HistorySeries {
  metric: string
  tags: Record<string, string>
  points: HistoryPoint[]
}

export interface StoreHealth {
  /** false while the backend (e.g. InfluxDB) cannot be written to */
  writable: boolean
  /** points accepted but not yet written to the backend */
  pending: number
  /** points dropped because a bound was hit (always counted, never silent) */
  dropped: number
  /** points refused by write() because they break the naming and value rules (see TelemetryPoint) */
  rejected: number
  /** points stored in the backend since start */
  written: number
  lastError: string | null
  lastErrorAt: number | null
}

export interface TelemetryStore {
  readonly kind: 'embedded' | 'influxdb'
  /**
   * Whether clinical readings (measurement `reading`) may be kept (hub config `store.clinical`).
   * When false the store refuses `reading` points (counted as rejected), whatever the caller sends;
   * ingest maps messages with `pointsOf(decoded, { clinical: store.clinical, receivedAt })` (points.ts).
   */
  readonly clinical: boolean
  /** Opens files and connections. Resolves even when InfluxDB is down: that is a health signal, not a start failure. */
  start: () => Promise<void>
  /** Accepts points for writing; never throws and never blocks ingest (batched and buffered inside). */
  write: (points: readonly TelemetryPoint[]) => void
  /** Resolves when every point accepted so far is written, or rejects if the backend is unreachable. */
  flush: () => Promise<void>
  /** Series sorted by their tags, points by time. Rejects with InvalidQueryError for a query it refuses. */
  query: (query: HistoryQuery) => Promise<HistorySeries[]>
  health: () => StoreHealth
  /** Flushes what it can, keeps the rest on disk where the implementation buffers there, and stops. */
  close: () => Promise<void>
}
