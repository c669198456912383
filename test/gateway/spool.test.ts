// The store-and-forward spool on its own: order, acknowledgement, recovery after a restart and
// after kill -9, torn writes, and the bound (oldest dropped, and counted).
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { appendFileSync, mkdirSync, readdirSync, rmdirSync } from 'node:fs'
import { join } from 'node:path'
import { StoreAndForwardSpool, type SpoolRecord } from '../../gateway/spool/spool.js'
import { tempDir } from '../helpers/index.js'

const record = (i: number): SpoolRecord => ({
  topic: 'helserom/v1/r/devices/d/readings', payload: { seq: i, values: { spo2: 97 } }, qos: 1, retain: false, at: 1000 + i, offline: false
})

function drainAll (spool: StoreAndForwardSpool, ack = true): number[] {
  const seen: number[] = []
  for (;;) {
    const entries = spool.read(50)
    if (entries.length === 0) return seen
    for (const e of entries) {
      seen.push(e.record.payload.seq as number)
      if (ack) spool.ack(e)
    }
  }
}

t.test('records come out in order across segments and are gone once acknowledged', async (t) => {
  const dir = tempDir(t)
  const spool = new StoreAndForwardSpool({ dir, maxBytes: 10_000_000, segmentBytes: 4096 }).open()
  t.teardown(() => spool.close())
  for (let i = 1; i <= 500; i++) spool.append(record(i))
  t.ok(readdirSync(dir).filter((f) => f.endsWith('.log')).length > 3, 'several segments were written')
  t.equal(spool.pending, 500)
  t.same(drainAll(spool), Array.from({ length: 500 }, (_, i) => i + 1))
  t.equal(spool.pending, 0)
  t.ok(spool.drained)
  t.ok(readdirSync(dir).filter((f) => f.endsWith('.log')).length <= 1, 'delivered segments are deleted')
})

t.test('unacknowledged records survive a restart; acknowledged ones do not come back', async (t) => {
  const dir = tempDir(t)
  const first = new StoreAndForwardSpool({ dir, maxBytes: 10_000_000, segmentBytes: 4096, cursorIntervalMs: 0 }).open()
  for (let i = 1; i <= 300; i++) first.append(record(i))
  const entries = first.read(120)
  for (const e of entries) first.ack(e)
  first.close()
  const second = new StoreAndForwardSpool({ dir, maxBytes: 10_000_000, segmentBytes: 4096 }).open()
  t.teardown(() => second.close())
  t.equal(second.pending, 180)
  t.same(drainAll(second), Array.from({ length: 180 }, (_, i) => i + 121))
})

t.test('an acknowledgement out of order holds the cursor until the gap is filled', async (t) => {
  const dir = tempDir(t)
  const spool = new StoreAndForwardSpool({ dir, maxBytes: 10_000_000 }).open()
  t.teardown(() => spool.close())
  for (let i = 1; i <= 3; i++) spool.append(record(i))
  const [a, b, c] = spool.read(3)
  spool.ack(c!)
  spool.ack(b!)
  t.equal(spool.pending, 3, 'nothing is delivered while the first is unconfirmed')
  spool.ack(a!)
  t.equal(spool.pending, 0)
})

t.test('rewind hands out again what was read but not confirmed', async (t) => {
  const dir = tempDir(t)
  const spool = new StoreAndForwardSpool({ dir, maxBytes: 10_000_000 }).open()
  t.teardown(() => spool.close())
  for (let i = 1; i <= 10; i++) spool.append(record(i))
  const firstRead = spool.read(10)
  for (const e of firstRead.slice(0, 4)) spool.ack(e)
  spool.rewind()
  t.same(drainAll(spool), [5, 6, 7, 8, 9, 10])
})

t.test('a torn last line (power cut mid-write) is cut off, the rest kept', async (t) => {
  const dir = tempDir(t)
  const first = new StoreAndForwardSpool({ dir, maxBytes: 10_000_000 }).open()
  for (let i = 1; i <= 5; i++) first.append(record(i))
  first.close()
  const segment = readdirSync(dir).find((f) => f.endsWith('.log'))!
  appendFileSync(join(dir, segment), '{"topic":"helserom/v1/r/devices/d/readings","payl')
  const second = new StoreAndForwardSpool({ dir, maxBytes: 10_000_000 }).open()
  t.teardown(() => second.close())
  t.equal(second.corrupt, 1)
  t.same(drainAll(second), [1, 2, 3, 4, 5])
  second.append(record(6))
  t.same(drainAll(second), [6], 'appending continues cleanly after the cut')
})

t.test('at the bound the oldest records are dropped and counted, never silently', async (t) => {
  const dir = tempDir(t)
  const spool = new StoreAndForwardSpool({ dir, maxBytes: 65_536, segmentBytes: 8192 }).open()
  t.teardown(() => spool.close())
  const n = 5000
  for (let i = 1; i <= n; i++) spool.append(record(i))
  t.ok(spool.bytes <= 65_536, `bytes on disk (${spool.bytes}) within the bound`)
  t.ok(spool.dropped > 0, 'some were dropped')
  const delivered = drainAll(spool)
  t.equal(delivered.length + spool.dropped, n, 'delivered + dropped = appended')
  t.same(delivered, Array.from({ length: delivered.length }, (_, i) => n - delivered.length + 1 + i), 'the newest are kept, in order')
  t.comment(`bound 64 KiB: kept ${delivered.length}, dropped ${spool.dropped} of ${n}`)
})

t.test('records appended before kill -9 are all there after it', async (t) => {
  const dir = tempDir(t)
  const script = `
    import { StoreAndForwardSpool } from ${JSON.stringify(new URL('../../gateway/spool/spool.ts', import.meta.url).pathname)}
    const spool = new StoreAndForwardSpool({ dir: ${JSON.stringify(dir)}, maxBytes: 50_000_000, segmentBytes: 65536 }).open()
    for (let i = 1; i <= 3000; i++) spool.append({ topic: 't/x', payload: { seq: i }, qos: 1, retain: false, at: i, offline: true })
    const read = spool.read(1000)
    for (const e of read) spool.ack(e)
    spool.sync()
    process.kill(process.pid, 'SIGKILL')
  `
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })
  t.equal(child.signal, 'SIGKILL', 'the writer was killed')
  const spool = new StoreAndForwardSpool({ dir, maxBytes: 50_000_000 }).open()
  t.teardown(() => spool.close())
  const rest = drainAll(spool)
  t.equal(rest.length, 2000, 'every record not yet confirmed is still there')
  t.same(rest, Array.from({ length: 2000 }, (_, i) => i + 1001))
})

t.test('the drop count is kept with the spool: a restart does not forget what the bound cost', async (t) => {
  const dir = tempDir(t)
  const first = new StoreAndForwardSpool({ dir, maxBytes: 65_536, clock: () => 1_764_000_000_000 }).open()
  for (let i = 1; i <= 2000; i++) first.append(record(i))
  const dropped = first.dropped
  t.ok(dropped > 0, `${dropped} dropped at the bound`)
  first.close()
  const second = new StoreAndForwardSpool({ dir, maxBytes: 65_536 }).open()
  t.teardown(() => second.close())
  t.equal(second.dropped, dropped, 'the count survives the restart')
  t.equal(second.lastDroppedAt, 1_764_000_000_000, 'and when it last happened')
  t.equal(drainAll(second).at(-1), 2000, 'the newest records are still there')
  second.close()
  const third = new StoreAndForwardSpool({ dir, maxBytes: 65_536 }).open()
  t.teardown(() => third.close())
  t.equal(third.dropped, dropped, 'and survives delivering what is left')
})

t.test('a segment the disk will not create fails the append, loses nothing written before, and writing resumes once it can', async (t) => {
  const dir = tempDir(t)
  const spool = new StoreAndForwardSpool({ dir, maxBytes: 10_000_000, segmentBytes: 4096 }).open()
  t.teardown(() => spool.close())
  let i = 0
  while (readdirSync(dir).filter((f) => f.endsWith('.log')).length < 2) spool.append(record(++i))
  const segments = readdirSync(dir).filter((f) => f.endsWith('.log')).sort()
  const next = `seg-${String(Number(/\d+/.exec(segments.at(-1)!)![0]) + 1).padStart(12, '0')}.log`
  // A directory where the next segment must go: opening it for writing fails, also for root.
  mkdirSync(join(dir, next))
  const written = i
  let failures = 0
  for (let k = 0; k < 200; k++) {
    try {
      spool.append(record(i + 1))
      i++
    } catch (err) {
      failures++
      t.equal((err as NodeJS.ErrnoException).code, 'EISDIR')
      break
    }
  }
  t.equal(failures, 1, 'the append that needs the new segment fails')
  t.throws(() => spool.append(record(i + 1)), { code: 'EISDIR' }, 'and keeps failing while the disk refuses')
  rmdirSync(join(dir, next))
  spool.append(record(++i))
  spool.append(record(++i))
  t.same(drainAll(spool), Array.from({ length: i }, (_, k) => k + 1), `all ${i} records appended (${written} before the fault) come out, in order`)
})

t.test('something else under a segment\'s name does not stop the spool from opening', async (t) => {
  const dir = tempDir(t)
  mkdirSync(join(dir, 'seg-000000000001.log'))
  const spool = new StoreAndForwardSpool({ dir, maxBytes: 10_000_000 })
  t.doesNotThrow(() => spool.open())
  t.teardown(() => spool.close())
  t.throws(() => spool.append(record(1)), { code: 'EISDIR' }, 'a write there fails, to the caller')
})
