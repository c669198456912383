// InfluxDB goes away under load and comes back: every point arrives, once; health says so meanwhile;
// and the outage buffer carries points across a hub restart while InfluxDB is still down.
// Issue 5's promise is "InfluxDB stopped for a minute under load loses no point", so influxd stays
// stopped a full minute under a steady ~1,000 points a second (HELSEROM_OUTAGE_MS may make it
// longer, never shorter); what arrived is counted in InfluxDB itself. Mostly waiting: cheap to run.
import t from 'tap'
import { InfluxStore } from '../../../cloud/store/influx-store.js'
import { waitFor } from '../../helpers/index.js'
import { influxdMissing, startInfluxd } from './influxd.js'
import { arrivedSeqs, runOutage, streamPoint } from './outage-scenario.js'
import { influxOptions } from './store-fixtures.js'

const missing = influxdMissing()
if (missing !== null) {
  t.plan(0, missing)
} else {
  const influxd = await startInfluxd(t)

  t.test('a steady stream survives influxd being stopped for a minute and started again', { timeout: 240_000 }, async (t) => {
    const options = influxOptions(t, influxd)
    const database = new URL(options.url).pathname.slice(1)
    const store = new InfluxStore(options)
    await store.start()
    t.teardown(async () => { await store.close() })

    const outageMs = Math.max(60_000, Number(process.env.HELSEROM_OUTAGE_MS ?? 0) || 0)
    const beforeMs = 2000
    const afterMs = 2000
    const points = Math.round((beforeMs + outageMs + afterMs) / 1000) * 1000 // ~1,000 a second, throughout
    const result = await runOutage({ store, influxd, database, room: 'outage-1', points, outageMs, beforeMs, afterMs })
    t.comment(`injected ${result.injected} points at ~${result.writeRate}/s; influxd stopped for ${outageMs} ms`)
    t.comment(`arrived ${result.arrived}, missing ${result.missing.length}, dropped ${result.dropped}, most pending ${result.maxPending}, recovered ${result.recoveryMs} ms after influxd answered`)
    t.comment(`last error seen: ${result.lastError ?? '(none)'}`)
    t.equal(result.arrived, result.injected, 'every point arrived exactly once')
    t.same(result.missing, [], 'none missing')
    t.equal(result.dropped, 0, 'nothing dropped within the buffer bound')
    t.ok(result.sawUnwritable, 'health said writable:false while influxd was away')
    t.ok(result.maxPending >= points * outageMs / (beforeMs + outageMs + afterMs) * 0.9, `about a minute of points (${result.maxPending}) was pending during the outage`)
    t.equal(store.health().writable, true, 'writable again')
    t.equal(store.health().pending, 0)
  })

  t.test('points buffered on disk survive a store restart while influxd is down', async (t) => {
    const options = influxOptions(t, influxd, { retryMaxMs: 500 })
    const database = new URL(options.url).pathname.slice(1)
    const room = 'restart-1'
    const base = Date.now() - 60_000
    const points = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => streamPoint(room, base, from + i))

    const first = new InfluxStore(options)
    await first.start()
    first.write(points(0, 1000))
    await first.flush()

    await influxd.stop()
    t.teardown(async () => { await influxd.start() })
    first.write(points(1000, 4000))
    await waitFor('writable:false', () => !first.health().writable)
    t.equal(first.health().pending, 3000, 'the points written during the outage are pending')
    await first.close()
    t.equal(first.health().pending, 3000, 'close kept them (on disk)')

    const second = new InfluxStore(options)
    await second.start()
    t.teardown(async () => { await second.close() })
    t.equal(second.health().writable, false, 'a store started while influxd is down says so')
    t.equal(second.health().pending, 3000, 'the new store found them on disk')
    second.write(points(4000, 5000))
    await waitFor('the new points to be buffered behind the old ones', () => second.health().pending === 4000)

    await influxd.start()
    await waitFor('the buffer to drain', () => second.health().pending === 0 && second.health().writable, { timeoutMs: 60_000 })
    await second.flush()
    const seqs = await arrivedSeqs(influxd, database, room)
    const seen = new Set(seqs)
    t.comment(`injected 5000 (1000 before, 3000 during the outage across a restart, 1000 after); arrived ${seqs.length}, dropped ${second.health().dropped}`)
    t.equal(seqs.length, 5000, 'every point arrived once')
    t.equal(seen.size, 5000)
    t.equal(second.health().dropped, 0)
  })
}
