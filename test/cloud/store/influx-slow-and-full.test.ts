// The two harder outages: InfluxDB hung (accepts connections, never answers) rather than gone, and an
// outage longer than the buffer holds, where the oldest points must go, counted, and the rest arrive.
import t from 'tap'
import { InfluxStore } from '../../../cloud/store/influx-store.js'
import { outageBufferDiskBytes } from '../../../cloud/store/outage-buffer.js'
import { sleep, waitFor } from '../../helpers/index.js'
import { influxdMissing, startInfluxd } from './influxd.js'
import { arrivedSeqs, runOutage, streamPoint } from './outage-scenario.js'
import { influxOptions } from './store-fixtures.js'

const missing = influxdMissing()
if (missing !== null) {
  t.plan(0, missing)
} else {
  const influxd = await startInfluxd(t)

  t.test('a hung influxd (requests time out) loses nothing', async (t) => {
    const options = influxOptions(t, influxd, { requestTimeoutMs: 1000, retryMaxMs: 1000 })
    const database = new URL(options.url).pathname.slice(1)
    const store = new InfluxStore(options)
    await store.start()
    t.teardown(async () => { await store.close() })
    t.teardown(() => { influxd.resume() })

    const result = await runOutage({ store, influxd, database, room: 'hung-1', points: 6000, outageMs: 5000, beforeMs: 1000, afterMs: 1000, mode: 'pause' })
    t.comment(`injected ${result.injected}; influxd paused (SIGSTOP) for 5000 ms; arrived ${result.arrived}, missing ${result.missing.length}, dropped ${result.dropped}, recovered ${result.recoveryMs} ms after resume`)
    t.comment(`last error seen: ${result.lastError ?? '(none)'}`)
    t.equal(result.arrived, result.injected, 'every point arrived once')
    t.equal(result.dropped, 0)
    t.ok(result.sawUnwritable, 'timeouts made health say writable:false')
  })

  t.test('past the buffer bound the oldest points are dropped and counted; the rest arrive', async (t) => {
    const bufferMaxBytes = 256 * 1024
    const options = influxOptions(t, influxd, { bufferMaxBytes, batchSize: 500, retryMaxMs: 500 })
    const database = new URL(options.url).pathname.slice(1)
    const room = 'full-1'
    const store = new InfluxStore(options)
    await store.start()
    t.teardown(async () => { await store.close() })

    await influxd.stop()
    t.teardown(async () => { await influxd.start() })
    const total = 10_000
    const base = Date.now() - 60_000
    let largestOnDisk = 0
    for (let seq = 0; seq < total; seq += 250) {
      store.write(Array.from({ length: 250 }, (_, i) => streamPoint(room, base, seq + i)))
      await sleep(10)
      largestOnDisk = Math.max(largestOnDisk, outageBufferDiskBytes(store.buffer.dir))
    }
    await waitFor('everything to be buffered or dropped', () => store.health().pending + store.health().dropped === total)
    const during = store.health()
    t.ok(during.dropped > 0, `the bound was hit: ${during.dropped} dropped`)
    t.equal(during.writable, false)
    t.match(during.lastError, /outage buffer full|ECONNREFUSED|ECONNRESET|socket hang up/, 'the error says why')
    // Files may hold one segment of already-dropped records beyond the live bound until it is deleted.
    t.ok(largestOnDisk <= bufferMaxBytes + 64 * 1024 + 4096, `disk use stayed bounded (${largestOnDisk} bytes for a ${bufferMaxBytes}-byte bound)`)

    await influxd.start()
    await waitFor('the buffer to drain', () => store.health().pending === 0 && store.health().writable, { timeoutMs: 60_000 })
    await store.flush()
    const seqs = (await arrivedSeqs(influxd, database, room)).sort((a, b) => a - b)
    const dropped = store.health().dropped
    t.comment(`injected ${total} while influxd was down with a ${bufferMaxBytes}-byte buffer: arrived ${seqs.length}, dropped ${dropped} (the oldest)`)
    t.equal(seqs.length + dropped, total, 'arrived + dropped = injected: nothing lost silently')
    t.equal(seqs[0], dropped, 'the dropped ones are the oldest')
    t.equal(seqs.at(-1), total - 1, 'the newest arrived')
    t.equal(new Set(seqs).size, seqs.length, 'no point twice')
  })
}
