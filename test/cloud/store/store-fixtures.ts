// How each telemetry store is opened for the abstract suite and the store tests: the embedded store
// on a temp folder, the InfluxDB store on a fresh database of a real influxd (one per test file).
import type { Test } from 'tap'
import { EmbeddedStore } from '../../../cloud/store/embedded-store.js'
import { InfluxStore, type InfluxStoreOptions } from '../../../cloud/store/influx-store.js'
import { tempDir, testLogger } from '../../helpers/index.js'
import { influxdMissing, startInfluxd, type Influxd } from './influxd.js'
import type { StoreContractFixture } from './store-contract.js'

export const embeddedFixture: StoreContractFixture = {
  persists: true,
  setup: async (t) => {
    const dataDir = tempDir(t, 'helserom-embedded-')
    return (options) => new EmbeddedStore({ dataDir, clinical: options?.clinical, log: testLogger() })
  }
}

let databases = 0
/** A database name no other subtest of this process uses. */
export function freshDatabase (prefix = 'helserom'): string {
  return `${prefix}_${process.pid}_${++databases}`
}

/** Options of an InfluxStore on a fresh database of `influxd`, with a temp dataDir. */
export function influxOptions (t: Test, influxd: Influxd, extra: Partial<InfluxStoreOptions> = {}): InfluxStoreOptions {
  return {
    url: `${influxd.url}/${freshDatabase()}`,
    dataDir: tempDir(t, 'helserom-influx-store-'),
    flushIntervalMs: 100,
    log: testLogger(),
    ...extra
  }
}

/** Starts one influxd for the whole test file; a `skip` reason when the binary is missing. */
export async function influxFixture (t: Test): Promise<StoreContractFixture | { skip: string }> {
  const missing = influxdMissing()
  if (missing !== null) return { skip: missing }
  const influxd = await startInfluxd(t)
  return {
    persists: true,
    setup: async (t) => {
      const options = influxOptions(t, influxd)
      return (extra) => new InfluxStore({ ...options, clinical: extra?.clinical })
    }
  }
}
