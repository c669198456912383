// What only the embedded store does: its bounds (per series, in total; the oldest go, counted), its
// history log (compacted when it has grown, cut back after a torn last record, replayed at start),
// and running without a dataDir at all.
import t, { type Test } from 'tap'
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { EmbeddedStore, HISTORY_LOG_FILE } from '../../../cloud/store/embedded-store.js'
import { Measurements, type TelemetryPoint } from '../../../cloud/store/telemetry-store.js'
import { tempDir, testLogger } from '../../helpers/index.js'

const base = Date.UTC(2026, 10, 24, 8, 0, 0)
const net = (room: string, ts: number, rttMs: number): TelemetryPoint => ({ measurement: Measurements.network, tags: { room }, fields: { rttMs }, ts })

async function open (t: Test, options: ConstructorParameters<typeof EmbeddedStore>[0]): Promise<EmbeddedStore> {
  const store = new EmbeddedStore({ log: testLogger(), ...options })
  await store.start()
  t.teardown(async () => { await store.close() })
  return store
}

async function values (store: EmbeddedStore, room: string): Promise<number[]> {
  const series = await store.query({ metric: 'network.rttMs', tags: { room }, from: 0, to: base + 1_000_000_000 })
  return (series[0]?.points ?? []).map((p) => p.value as number)
}

t.test('a series keeps its newest maxPointsPerSeries points; the rest are counted as dropped', async (t) => {
  const store = await open(t, { maxPointsPerSeries: 100 })
  store.write(Array.from({ length: 150 }, (_, i) => net('rodoy-1', base + i * 1000, i)))
  t.same(await values(store, 'rodoy-1'), Array.from({ length: 100 }, (_, i) => i + 50))
  t.equal(store.health().dropped, 50)
  store.write([net('rodoy-1', base - 1000, -1)])
  t.equal((await values(store, 'rodoy-1'))[0], 50, 'a point older than all kept is itself the oldest, and goes')
  t.equal(store.health().dropped, 51)
})

t.test('the total bound drops the oldest points across all series', async (t) => {
  const store = await open(t, { maxPointsTotal: 1000, maxPointsPerSeries: 10_000 })
  // Room a is old, room b is new: room a's points go first.
  store.write(Array.from({ length: 600 }, (_, i) => net('a', base + i * 1000, i)))
  store.write(Array.from({ length: 600 }, (_, i) => net('b', base + 1_000_000 + i * 1000, i)))
  const a = await values(store, 'a')
  const b = await values(store, 'b')
  t.ok(a.length + b.length <= 1000, `total within the bound (${a.length + b.length})`)
  t.equal(b.length, 600, 'the newer room kept everything')
  t.equal(a.at(-1), 599, 'the older room lost its oldest, not its newest')
  t.equal(store.health().dropped, 1200 - a.length - b.length, 'every dropped point counted')
})

t.test('the history log is replayed at start, and a torn last record is cut off', async (t) => {
  const dataDir = tempDir(t)
  const first = new EmbeddedStore({ dataDir, log: testLogger() })
  await first.start()
  first.write(Array.from({ length: 20 }, (_, i) => net('rodoy-1', base + i * 1000, i)))
  await first.close()
  // A crash in the middle of an append leaves half a line.
  appendFileSync(join(dataDir, HISTORY_LOG_FILE), '[1,17956031')
  const second = await open(t, { dataDir })
  t.same(await values(second, 'rodoy-1'), Array.from({ length: 20 }, (_, i) => i))
  t.notOk(readFileSync(join(dataDir, HISTORY_LOG_FILE), 'utf8').endsWith('17956031'), 'the torn record was cut off')
  second.write([net('rodoy-1', base + 20_000, 20)])
  await second.close()
  const third = await open(t, { dataDir })
  t.equal((await values(third, 'rodoy-1')).length, 21, 'appends after the cut are read back')
})

t.test('unreadable lines in the middle are skipped and reported', async (t) => {
  const dataDir = tempDir(t)
  writeFileSync(join(dataDir, HISTORY_LOG_FILE), [
    JSON.stringify({ s: 1, m: 'network', t: { room: 'rodoy-1' } }),
    JSON.stringify([1, base, { rttMs: 1 }]),
    'garbage',
    JSON.stringify([1, base + 1000, { rttMs: 2 }]),
    ''
  ].join('\n'))
  const store = await open(t, { dataDir })
  t.same(await values(store, 'rodoy-1'), [1, 2])
  t.match(store.health().lastError, /1 unreadable lines/)
})

t.test('the log is compacted once it holds about twice what memory does', async (t) => {
  const dataDir = tempDir(t)
  const path = join(dataDir, HISTORY_LOG_FILE)
  const store = new EmbeddedStore({ dataDir, maxPointsPerSeries: 1000, flushIntervalMs: 60_000, log: testLogger() })
  await store.start()
  // 60,000 writes to one series that keeps 1,000: the log would hold 60,000 lines without compaction.
  for (let round = 0; round < 60; round++) {
    store.write(Array.from({ length: 1000 }, (_, i) => net('rodoy-1', base + (round * 1000 + i) * 1000, round * 1000 + i)))
    await store.flush()
  }
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').length
  t.ok(lines < 2 * 1000 + 50_000 + 1000 + 2, `log compacted to ${lines} lines (from 60,000 points written)`)
  t.ok(statSync(path).size < 60_000 * 40, 'and its size with it')
  await store.close()
  const again = await open(t, { dataDir, maxPointsPerSeries: 1000 })
  const kept = await values(again, 'rodoy-1')
  t.equal(kept.length, 1000)
  t.equal(kept[0], 59_000, 'after compaction and reopen: the newest 1,000, as before')
})

t.test('without a dataDir history lives in memory only', async (t) => {
  const store = await open(t, {})
  store.write([net('rodoy-1', base, 5)])
  await store.flush()
  t.same(await values(store, 'rodoy-1'), [5])
  t.equal(store.health().pending, 0)
  t.equal(store.health().writable, true)
})

t.test('options are checked with messages a person understands', async (t) => {
  t.throws(() => new EmbeddedStore({ maxPointsTotal: 0 }), /maxPointsTotal must be a positive integer/)
  t.throws(() => new EmbeddedStore({ maxPointsPerSeries: 1.5 }), /maxPointsPerSeries/)
})
