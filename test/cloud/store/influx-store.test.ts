// What only the InfluxDB store does, against a real influxd: it creates its database, retention
// policies and continuous query; reads the 5-minute means past the raw horizon; recomputes the means
// of buckets that got late (historical) points; takes credentials from the URL; starts while
// InfluxDB is down; and no query it is given can reach past its own SELECT.
import t, { type Test } from 'tap'
import { InfluxStore, parseInfluxUrl, DOWNSAMPLE_CQ, DOWNSAMPLED_RP, RAW_RP } from '../../../cloud/store/influx-store.js'
import { InvalidQueryError, Measurements } from '../../../cloud/store/telemetry-store.js'
import { tempDir, testLogger, waitFor } from '../../helpers/index.js'
import { influxdMissing, startInfluxd } from './influxd.js'
import { freshDatabase, influxOptions } from './store-fixtures.js'

const DAY = 86_400_000

t.test('parseInfluxUrl reads database, credentials and prefix, and explains a bad URL', async (t) => {
  t.same(parseInfluxUrl('http://127.0.0.1:8086/helserom'), { protocol: 'http', host: '127.0.0.1', port: 8086, path: '', database: 'helserom' })
  t.same(parseInfluxUrl('https://hub%40it:p%3Ass%2Fw@influx.example:443/proxy/influx/helserom_1'), {
    protocol: 'https', host: 'influx.example', port: 443, path: '/proxy/influx', database: 'helserom_1', username: 'hub@it', password: 'p:ss/w'
  })
  t.equal(parseInfluxUrl('http://influx/helserom').port, 8086, 'default port')
  t.throws(() => parseInfluxUrl('influx:8086/helserom'), /http:\/\/ or https:\/\//)
  t.throws(() => parseInfluxUrl('not a url'), /not a URL/)
  t.throws(() => parseInfluxUrl('http://127.0.0.1:8086/'), /database name/)
  t.throws(() => parseInfluxUrl('http://127.0.0.1:8086/help"me'), /database name/)
  t.throws(() => new InfluxStore({ url: 'http://127.0.0.1:8086/h', dataDir: '/tmp', retentionDays: 0 }), /retentionDays/)
  t.throws(() => new InfluxStore({ url: 'http://127.0.0.1:8086/h', dataDir: '/tmp', bufferMaxBytes: 10 }), /bufferMaxBytes/)
})

const missing = influxdMissing()
if (missing !== null) {
  t.test('against influxd', async (t) => { t.plan(0, missing) })
} else {
  const influxd = await startInfluxd(t)

  const open = async (t: Test, extra = {}) => {
    const options = influxOptions(t, influxd, extra)
    const database = new URL(options.url).pathname.slice(1)
    const store = new InfluxStore(options)
    await store.start()
    t.teardown(async () => { await store.close() })
    return { store, database, options }
  }

  t.test('start creates the database, both retention policies and the continuous query', async (t) => {
    const { store, database } = await open(t, { retentionDays: 14, downsampledRetentionDays: 400 })
    t.equal(store.health().writable, true)
    const dbs = await influxd.query('SHOW DATABASES')
    t.ok((dbs.results[0].series[0].values as string[][]).some(([name]) => name === database), 'database created')

    const rps = await influxd.query(`SHOW RETENTION POLICIES ON "${database}"`)
    const policies = Object.fromEntries((rps.results[0].series[0].values as Array<[string, string, string, number, boolean]>).map(([name, duration, , , isDefault]) => [name, { duration, isDefault }]))
    t.same(policies[RAW_RP], { duration: '336h0m0s', isDefault: true }, 'raw: 14 days, the default')
    t.same(policies[DOWNSAMPLED_RP], { duration: '9600h0m0s', isDefault: false }, 'downsampled: 400 days')

    const cqs = await influxd.query('SHOW CONTINUOUS QUERIES')
    const ours = (cqs.results[0].series as Array<{ name: string, values?: string[][] }>).find((s) => s.name === database)
    const text = ours?.values?.find(([name]) => name === DOWNSAMPLE_CQ)?.[1] ?? ''
    t.match(text, /RESAMPLE EVERY 5m FOR 15m/)
    t.match(text, /SELECT mean\(\*\) INTO .*downsampled.*:MEASUREMENT FROM .*raw.*\/\.\*\/ GROUP BY time\(5m\), \*/)

    // A second start with other settings brings the database in line, instead of failing.
    const again = new InfluxStore({ url: `${influxd.url}/${database}`, dataDir: tempDir(t), retentionDays: 7, log: testLogger() })
    await again.start()
    t.teardown(async () => { await again.close() })
    const rps2 = await influxd.query(`SHOW RETENTION POLICIES ON "${database}"`)
    const raw = (rps2.results[0].series[0].values as Array<[string, string]>).find(([name]) => name === RAW_RP)
    t.equal(raw?.[1], '168h0m0s', 'raw retention altered to 7 days')
  })

  t.test('queries past the raw horizon read the 5-minute means', async (t) => {
    const { store, database } = await open(t, { retentionDays: 2 })
    const now = Date.now()
    const old = Math.floor((now - 5 * DAY) / 300_000) * 300_000
    // What the continuous query would have left there five days ago.
    await fetch(`${influxd.url}/write?db=${database}&rp=${DOWNSAMPLED_RP}&precision=ms`, {
      method: 'POST',
      body: `network,room=rodoy-1 mean_rttMs=40 ${old}\nnetwork,room=rodoy-1 mean_rttMs=60 ${old + 300_000}`
    })
    store.write([{ measurement: Measurements.network, tags: { room: 'rodoy-1' }, fields: { rttMs: 12 }, ts: now - 60_000 }])
    await store.flush()
    const series = await store.query({ metric: 'network.rttMs', tags: { room: 'rodoy-1' }, from: now - 6 * DAY, to: now })
    t.same(series[0]?.points, [{ ts: old, value: 40 }, { ts: old + 300_000, value: 60 }, { ts: now - 60_000, value: 12 }], 'means before the horizon, raw after it')
    const bucketed = await store.query({ metric: 'network.rttMs', tags: { room: 'rodoy-1' }, from: old, to: now, maxPoints: 2 })
    t.equal(bucketed[0]?.points.length, 2)
    t.equal(bucketed[0]?.points[0]?.value, 50, 'buckets average across both parts')
  })

  t.test('late points get their 5-minute means recomputed', async (t) => {
    const { store, database } = await open(t)
    const bucket = Math.floor((Date.now() - 2 * 3_600_000) / 300_000) * 300_000
    store.write([10, 20, 30].map((v, i) => ({ measurement: Measurements.network, tags: { room: 'late-1' }, fields: { rttMs: v }, ts: bucket + i * 1000 })))
    await store.flush()
    const answer = await influxd.query(`SELECT "mean_rttMs" FROM "${database}"."${DOWNSAMPLED_RP}"."network" WHERE "room" = 'late-1'`, database)
    t.same(answer.results[0].series?.[0]?.values, [[bucket, 20]], 'the 5-minute bucket two hours ago holds the mean')
  })

  t.test('a store started while influxd is down sets up the database once it is back', async (t) => {
    const database = freshDatabase()
    await influxd.stop()
    t.teardown(async () => { await influxd.start() })
    const store = new InfluxStore({ url: `${influxd.url}/${database}`, dataDir: tempDir(t), flushIntervalMs: 50, retryMaxMs: 300, log: testLogger() })
    await store.start()
    t.teardown(async () => { await store.close() })
    t.equal(store.health().writable, false)
    t.match(store.health().lastError, /ECONNREFUSED|ECONNRESET|socket hang up/, 'the error says InfluxDB is not there')
    const ts = Date.now() - 1000
    store.write([{ measurement: Measurements.gatewayStatus, tags: { room: 'rodoy-1' }, fields: { online: 1 }, ts }])
    await t.rejects(store.flush(), /not writable/, 'flush says InfluxDB is unreachable')
    t.equal(store.health().pending, 1, 'the point waits')
    await influxd.start()
    await waitFor('the point to be written', () => store.health().pending === 0 && store.health().writable, { timeoutMs: 20_000 })
    const series = await store.query({ metric: 'gateway_status.online', tags: { room: 'rodoy-1' }, from: ts, to: ts })
    t.same(series[0]?.points, [{ ts, value: 1 }])
    const rps = await influxd.query(`SHOW RETENTION POLICIES ON "${database}"`)
    t.ok((rps.results[0].series[0].values as string[][]).some(([name]) => name === RAW_RP), 'retention policies made late')
  })

  t.test('credentials come from the URL', async (t) => {
    const secured = await startInfluxd(t, { admin: { username: 'hub', password: "s3cr'et:/x" } })
    const database = freshDatabase()
    const good = new InfluxStore({ url: `http://hub:${encodeURIComponent("s3cr'et:/x")}@127.0.0.1:${secured.port}/${database}`, dataDir: tempDir(t), log: testLogger() })
    await good.start()
    t.teardown(async () => { await good.close() })
    t.equal(good.health().writable, true, 'the right password sets up and writes')
    const ts = Date.now() - 1000
    good.write([{ measurement: Measurements.check, tags: { room: 'rodoy-1' }, fields: { passed: 1, failedSteps: 0 }, ts }])
    await good.flush()
    t.same((await good.query({ metric: 'check.passed', tags: { room: 'rodoy-1' }, from: ts, to: ts }))[0]?.points, [{ ts, value: 1 }])

    const bad = new InfluxStore({ url: `http://hub:wrong@127.0.0.1:${secured.port}/${database}`, dataDir: tempDir(t), retryMaxMs: 300, log: testLogger() })
    await bad.start()
    t.teardown(async () => { await bad.close() })
    t.equal(bad.health().writable, false, 'a wrong password shows at start')
    bad.write([{ measurement: Measurements.check, tags: { room: 'rodoy-1' }, fields: { passed: 0, failedSteps: 1 }, ts: ts + 1 }])
    await t.rejects(bad.flush(), /not writable/)
    const h = bad.health()
    t.equal(h.writable, false, 'a wrong password is an outage, not a crash')
    t.match(h.lastError, /401|authorization/i)
    t.equal(h.pending, 1, 'and loses nothing while it lasts')
  })

  t.test('no query reaches past its own SELECT', async (t) => {
    const { store, database } = await open(t)
    const ts = Date.now() - 1000
    store.write([{ measurement: Measurements.network, tags: { room: 'rodoy-1' }, fields: { rttMs: 1 }, ts }])
    await store.flush()
    const attempts = [
      { metric: `network.rttMs" FROM "network"; DROP DATABASE "${database}"; SELECT "x`, tags: {} },
      { metric: 'network.rttMs', tags: { [`room" = 'x'; DROP DATABASE "${database}"; --`]: 'x' } }
    ]
    for (const q of attempts) await t.rejects(store.query({ ...q, from: 0, to: ts }), InvalidQueryError)
    for (const room of [`x'; DROP DATABASE "${database}"; SELECT * FROM "network" WHERE room = '`, `x\\'; DROP DATABASE "${database}"; --`]) {
      t.same(await store.query({ metric: 'network.rttMs', tags: { room }, from: 0, to: ts }), [])
    }
    const dbs = await influxd.query('SHOW DATABASES')
    t.ok((dbs.results[0].series[0].values as string[][]).some(([name]) => name === database), 'the database is still there')
    t.equal((await store.query({ metric: 'network.rttMs', tags: { room: 'rodoy-1' }, from: 0, to: ts }))[0]?.points.length, 1)
  })
}
