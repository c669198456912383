// The outage buffer on its own (no InfluxDB): order, the bound, delivery marks, and what a restart
// (or a crash mid-append) leaves behind.
import t, { type Test } from 'tap'
import { appendFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { OutageBuffer, outageBufferDiskBytes } from '../../../cloud/store/outage-buffer.js'
import type { TelemetryPoint } from '../../../cloud/store/telemetry-store.js'
import { tempDir } from '../../helpers/index.js'

const batch = (from: number, n: number): TelemetryPoint[] =>
  Array.from({ length: n }, (_, i) => ({ measurement: 'network', tags: { room: 'r' }, fields: { seq: from + i }, ts: 1_000_000 + from + i }))
const seqs = (points: TelemetryPoint[]): number[] => points.map((p) => p.fields.seq as number)

function opened (t: Test, dir: string, maxBytes = 1 << 20): OutageBuffer {
  const buffer = new OutageBuffer(dir, maxBytes)
  buffer.open()
  t.teardown(() => { buffer.close() })
  return buffer
}

t.test('batches come out in the order they went in, several at a time up to a point count', async (t) => {
  const buffer = opened(t, tempDir(t))
  for (let i = 0; i < 5; i++) buffer.append(batch(i * 10, 10))
  t.equal(buffer.points, 50)
  const first = buffer.peek(25)
  t.same(seqs(first?.points ?? []), Array.from({ length: 20 }, (_, i) => i), 'whole batches only: 20 of at most 25')
  buffer.ack(first?.ids ?? [])
  t.equal(buffer.points, 30)
  const big = buffer.peek(5)
  t.equal(big?.points.length, 10, 'at least one batch even when it is larger than asked')
  buffer.ack(big?.ids ?? [])
  buffer.ack(buffer.peek(100)?.ids ?? [])
  t.ok(buffer.isEmpty)
  t.equal(buffer.peek(100), null)
})

t.test('past maxBytes the oldest batches are dropped and reported', async (t) => {
  const buffer = opened(t, tempDir(t), 4096)
  const dropped: number[] = []
  for (let i = 0; i < 40; i++) for (const d of buffer.append(batch(i * 5, 5)).dropped) dropped.push(d.count)
  t.ok(buffer.bytes <= 4096, `live bytes within the bound (${buffer.bytes})`)
  const total = dropped.reduce((a, b) => a + b, 0)
  t.equal(buffer.points + total, 200, 'kept + dropped = appended')
  t.equal(seqs(buffer.peek(1000)?.points ?? [])[0], total, 'what is left starts right after what was dropped')
  t.ok(outageBufferDiskBytes(buffer.dir) <= 4096 + 64 * 1024 + 100, 'files stay bounded too')
  const huge = buffer.append(batch(0, 200))
  t.same(huge, { id: null, dropped: [{ id: 0, count: 200 }] }, 'a batch larger than the whole bound is dropped itself')
})

t.test('what was not delivered is there after a restart; what was, is not', async (t) => {
  const dir = tempDir(t)
  const first = new OutageBuffer(dir, 1 << 20)
  first.open()
  for (let i = 0; i < 4; i++) first.append(batch(i * 10, 10))
  first.ack(first.peek(20)?.ids ?? [])
  first.close()
  const second = opened(t, dir)
  t.equal(second.points, 20)
  t.same(seqs(second.peek(1000)?.points ?? []), Array.from({ length: 20 }, (_, i) => i + 20))
  second.append(batch(40, 10))
  t.same(seqs(second.peek(1000)?.points ?? []).at(-1), 49, 'new batches go behind the old ones')
})

t.test('a record torn by a crash is cut off; the ones before it are kept', async (t) => {
  const dir = tempDir(t)
  const first = new OutageBuffer(dir, 1 << 20)
  first.open()
  first.append(batch(0, 10))
  first.close()
  const seg = readdirSync(dir).find((n) => n.startsWith('seg-')) as string
  appendFileSync(join(dir, seg), '10\t[{"measurement":"net')
  const second = new OutageBuffer(dir, 1 << 20)
  const load = second.open()
  t.teardown(() => { second.close() })
  t.equal(load.points, 10)
  t.ok(load.tornBytes > 0)
  second.append(batch(10, 5))
  t.same(seqs(second.peek(1000)?.points ?? []), Array.from({ length: 15 }, (_, i) => i))
})

t.test('an unreadable record at the front is dropped and counted instead of blocking the rest', async (t) => {
  const dir = tempDir(t)
  const first = new OutageBuffer(dir, 1 << 20)
  first.open()
  first.close()
  const seg = readdirSync(dir).find((n) => n.startsWith('seg-')) as string
  writeFileSync(join(dir, seg), '3\t[not json]\n')
  const second = opened(t, dir)
  second.append(batch(0, 2))
  const peeked = second.peek(100)
  t.equal(peeked?.corruptPoints, 3)
  t.same(seqs(peeked?.points ?? []), [0, 1])
})

t.test('a batch marked delivered is skipped, and an emptied buffer frees its files', async (t) => {
  const buffer = opened(t, tempDir(t))
  const { id } = buffer.append(batch(0, 10))
  buffer.append(batch(10, 10))
  buffer.markDelivered(id as number)
  t.same(seqs(buffer.peek(100)?.points ?? [])[0], 10)
  buffer.ack(buffer.peek(100)?.ids ?? [])
  t.ok(buffer.isEmpty)
  t.ok(outageBufferDiskBytes(buffer.dir) < 100, 'delivered records are not kept on disk')
})
