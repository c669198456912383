// The hub's telemetry store, chosen by the hub config's `store.kind`:
//   store: { kind: embedded }                                   history in the hub's memory, logged to dataDir
//   store: { kind: influxdb, url: "http://127.0.0.1:8086/helserom", clinical: false, retentionDays: 30 }
import { EmbeddedStore } from './embedded-store.js'
import { InfluxStore } from './influx-store.js'
import type { StoreLogger } from './store-logger.js'
import type { TelemetryStore } from './telemetry-store.js'

export * from './telemetry-store.js'
export { pointsOf, STATE_CODES, LEVEL_CODES } from './points.js'
export { EmbeddedStore } from './embedded-store.js'
export { InfluxStore, parseInfluxUrl } from './influx-store.js'
export type { StoreLogger } from './store-logger.js'

/**
 * The hub config's `store` section. One flat shape (not a union) so that the config schema's type
 * (cloud/config.ts) is assignable as it is; each kind reads its own options and ignores the rest.
 */
export interface StoreConfig {
  kind: 'embedded' | 'influxdb'
  /** influxdb: `http://[user:pass@]host:8086/database` */
  url?: string
  /** Keep clinical readings at the hub (default false; DESIGN.md, "Data that is personal"). */
  clinical?: boolean
  /** influxdb: days raw points are kept (default 30). */
  retentionDays?: number
  /** influxdb: days the 5-minute means are kept (default 730). */
  downsampledRetentionDays?: number
  /** influxdb: points per write (default 5000). */
  batchSize?: number
  /** influxdb: a partial batch is written after this long; embedded: the log is appended this often (default 1000 ms). */
  flushIntervalMs?: number
  /** influxdb: bound of the outage buffer in dataDir (default 256 MiB). */
  bufferMaxBytes?: number
  /** influxdb: a request slower than this counts as failed (default 10 s). */
  requestTimeoutMs?: number
  /** embedded: bounds (defaults 50,000 per series, 1,000,000 in total). */
  maxPointsPerSeries?: number
  maxPointsTotal?: number
  /** embedded: keep history across restarts in dataDir (default true). */
  persist?: boolean
}

export interface StoreContext {
  /** The hub's data folder (hub config `dataDir`). */
  dataDir: string
  log?: StoreLogger
}

/** Creates (does not start) the store the config names; throws on a config a person must fix. */
export function createTelemetryStore (config: StoreConfig, { dataDir, log }: StoreContext): TelemetryStore {
  switch (config?.kind) {
    case 'embedded':
      return new EmbeddedStore({
        dataDir: config.persist === false ? undefined : dataDir,
        clinical: config.clinical ?? false,
        maxPointsPerSeries: config.maxPointsPerSeries,
        maxPointsTotal: config.maxPointsTotal,
        flushIntervalMs: config.flushIntervalMs,
        log
      })
    case 'influxdb':
      if (typeof config.url !== 'string' || config.url === '') throw new TypeError('store.url is required for store.kind influxdb (e.g. http://127.0.0.1:8086/helserom)')
      return new InfluxStore({
        url: config.url,
        dataDir,
        clinical: config.clinical ?? false,
        retentionDays: config.retentionDays,
        downsampledRetentionDays: config.downsampledRetentionDays,
        batchSize: config.batchSize,
        flushIntervalMs: config.flushIntervalMs,
        bufferMaxBytes: config.bufferMaxBytes,
        requestTimeoutMs: config.requestTimeoutMs,
        log
      })
    default:
      throw new TypeError(`store.kind must be "embedded" or "influxdb", not ${JSON.stringify((config as { kind?: unknown } | undefined)?.kind)}`)
  }
}
