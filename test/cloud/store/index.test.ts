// createTelemetryStore picks the store the hub config names and explains a config it cannot use.
import t from 'tap'
import { createTelemetryStore, EmbeddedStore, InfluxStore, type StoreConfig } from '../../../cloud/store/index.js'
import { tempDir, testLogger } from '../../helpers/index.js'

t.test('store.kind chooses the implementation', async (t) => {
  const dataDir = tempDir(t)
  const embedded = createTelemetryStore({ kind: 'embedded' }, { dataDir, log: testLogger() })
  t.ok(embedded instanceof EmbeddedStore)
  t.equal(embedded.kind, 'embedded')
  t.equal(embedded.clinical, false, 'clinical is off unless configured')
  const influx = createTelemetryStore({ kind: 'influxdb', url: 'http://127.0.0.1:8086/helserom', clinical: true, retentionDays: 90 }, { dataDir })
  t.ok(influx instanceof InfluxStore)
  t.equal(influx.kind, 'influxdb')
  t.equal(influx.clinical, true)
  t.equal((influx as InfluxStore).target.database, 'helserom')
})

t.test('a config that cannot work is refused with a message a person understands', async (t) => {
  const dataDir = tempDir(t)
  t.throws(() => createTelemetryStore({ kind: 'postgres' } as unknown as StoreConfig, { dataDir }), /store\.kind must be "embedded" or "influxdb", not "postgres"/)
  t.throws(() => createTelemetryStore({ kind: 'influxdb' } as unknown as StoreConfig, { dataDir }), /store\.url is required/)
  t.throws(() => createTelemetryStore({ kind: 'influxdb', url: 'http://127.0.0.1:8086', clinical: false }, { dataDir }), /database name/)
  t.throws(() => createTelemetryStore({ kind: 'influxdb', url: 'http://127.0.0.1:8086/h', clinical: false, batchSize: 0 }, { dataDir }), /store\.batchSize/)
})
