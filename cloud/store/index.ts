// The hub's telemetry store, chosen by the hub config's `store.kind`:
//   store: { kind: embedded }                                   history in the hub's memory, logged to dataDir
//   store: { kind: influxdb, url: "http://127.0.0.1:8086/helserom", clinical: false, retentionDays: 30 }
import { EmbeddedStore, type EmbeddedStoreOptions } from './embedded-store.js'
import { InfluxStore, type InfluxStoreOptions } from './influx-store.js'
import type { StoreLogger } from './store-logger.js'
import type { TelemetryStore } from './telemetry-store.js'

export * from './telemetry-store.js'
export { pointsOf, STATE_CODES, LEVEL_CODES } from './points.js'
export { EmbeddedStore } from './embedded-store.js'
export { InfluxStore, parseInfluxUrl } from './influx-store.js'
export type { StoreLogger } from './store-logger.js'

/**
 * The hub config's `store` section: the kind, and the options of each kind, named and documented as
 * the stores name them (InfluxStoreOptions, EmbeddedStoreOptions). One flat shape (not a union) so
 * that the config schema's type (cloud/config.ts) is assignable as it is; each kind reads its own
 * options and ignores the rest.
 */
export interface StoreConfig extends
  Partial<Pick<InfluxStoreOptions, 'url' | 'retentionDays' | 'downsampledRetentionDays' | 'batchSize' | 'flushIntervalMs' | 'bufferMaxBytes' | 'requestTimeoutMs'>>,
  Pick<EmbeddedStoreOptions, 'maxPointsPerSeries' | 'maxPointsTotal'> {
  kind: 'embedded' | 'influxdb'
  /** Keep clinical readings at the hub (default false; DESIGN.md, "Data that is personal"). */
  clinical?: boolean
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
