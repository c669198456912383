// The abstract telemetry-store suite (as aedes-persistence's abstract.js is for its backends): every
// store runs it in a three-line test file,
//
//   import t from 'tap'
//   import { storeContractSuite } from './store-contract.js'
//   storeContractSuite(t, embeddedFixture)
//
// It checks what the hub's ingest, history API and health page rely on: points written come back by
// metric, tags and time range; rooms do not leak into each other; maxPoints buckets a long series;
// text stays text; a historical point lands at its own time; the same point twice is one point;
// flush and health count honestly; bad points and hostile queries are refused; and, where the store
// persists, history survives close and reopen.
import type { Test } from 'tap'
import { InvalidQueryError, Measurements, type TelemetryPoint, type TelemetryStore } from '../../../cloud/store/telemetry-store.js'

export interface StoreContractFixture {
  /**
   * Prepares one subtest's backing place (a temp folder, a fresh database) and returns a function
   * that opens a new store on it; calling it again after close opens the same history.
   */
  setup: (t: Test) => Promise<(options?: { clinical?: boolean }) => TelemetryStore>
  /** Whether history survives close and reopen. */
  persists: boolean
}

const MINUTE = 60_000

/** Opens and starts a store, closed at teardown. */
async function opened (t: Test, open: (options?: { clinical?: boolean }) => TelemetryStore, options?: { clinical?: boolean }): Promise<TelemetryStore> {
  const store = open(options)
  await store.start()
  t.teardown(async () => { await store.close() })
  return store
}

/** A whole minute an hour ago, so that buckets and ranges are easy to reason about. */
function baseTime (): number {
  return Math.floor((Date.now() - 60 * MINUTE) / MINUTE) * MINUTE
}

function net (room: string, ts: number, fields: Record<string, number>): TelemetryPoint {
  return { measurement: Measurements.network, tags: { room }, fields, ts }
}

export function storeContractSuite (t: Test, fixture: StoreContractFixture | { skip: string }): void {
  if ('skip' in fixture) {
    t.plan(0, fixture.skip)
    return
  }

  t.test('points come back by metric, tags and time range', async (t) => {
    const store = await opened(t, await fixture.setup(t))
    const base = baseTime()
    store.write(Array.from({ length: 10 }, (_, i) => net('rodoy-1', base + i * MINUTE, { rttMs: i, jitterMs: i * 2 })))
    await store.flush()

    const range = await store.query({ metric: 'network.rttMs', tags: { room: 'rodoy-1' }, from: base + 2 * MINUTE, to: base + 5 * MINUTE })
    t.same(range, [{
      metric: 'network.rttMs',
      tags: { room: 'rodoy-1' },
      points: [2, 3, 4, 5].map((i) => ({ ts: base + i * MINUTE, value: i }))
    }], 'both ends of the range are included')

    const all = await store.query({ metric: 'network.jitterMs', tags: { room: 'rodoy-1' }, from: base, to: base + 9 * MINUTE })
    t.same(all[0]?.points.map((p) => p.value), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18])

    const one = await store.query({ metric: 'network.rttMs', tags: { room: 'rodoy-1' }, from: base + 7 * MINUTE, to: base + 7 * MINUTE })
    t.same(one[0]?.points, [{ ts: base + 7 * MINUTE, value: 7 }], 'a range of one instant finds the point at it')

    t.same(await store.query({ metric: 'network.lossPct', tags: { room: 'rodoy-1' }, from: base, to: base + 9 * MINUTE }), [], 'a field never written: no series')
    t.same(await store.query({ metric: 'device_health.stateCode', tags: { room: 'rodoy-1' }, from: base, to: base + 9 * MINUTE }), [], 'another measurement: no series')
    t.same(await store.query({ metric: 'network.rttMs', tags: { room: 'rodoy-1' }, from: base + 10 * MINUTE, to: base + 20 * MINUTE }), [], 'after the last point: no series')
  })

  t.test('tags keep rooms and devices apart', async (t) => {
    const store = await opened(t, await fixture.setup(t))
    const base = baseTime()
    store.write([
      net('rodoy-1', base, { rttMs: 10 }),
      net('rodoy-10', base, { rttMs: 99 }),
      net('donna-1', base, { rttMs: 20 }),
      { measurement: Measurements.deviceHealth, tags: { room: 'rodoy-1', device: 'spo2-1', kind: 'serial-sensor' }, fields: { state: 'ok', stateCode: 0 }, ts: base },
      { measurement: Measurements.deviceHealth, tags: { room: 'rodoy-1', device: 'cam-1', kind: 'onvif-camera' }, fields: { state: 'down', stateCode: 2 }, ts: base },
      { measurement: Measurements.deviceHealth, tags: { room: 'donna-1', device: 'cam-1', kind: 'onvif-camera' }, fields: { state: 'ok', stateCode: 0 }, ts: base }
    ])
    await store.flush()
    const window = { from: base - MINUTE, to: base + MINUTE }

    const rodoy = await store.query({ metric: 'network.rttMs', tags: { room: 'rodoy-1' }, ...window })
    t.same(rodoy, [{ metric: 'network.rttMs', tags: { room: 'rodoy-1' }, points: [{ ts: base, value: 10 }] }], 'rodoy-1 only, not rodoy-10 or donna-1')

    const devices = await store.query({ metric: 'device_health.stateCode', tags: { room: 'rodoy-1' }, ...window })
    t.same(devices.map((s) => s.tags), [
      { device: 'cam-1', kind: 'onvif-camera', room: 'rodoy-1' },
      { device: 'spo2-1', kind: 'serial-sensor', room: 'rodoy-1' }
    ], 'one series per device, sorted by tags, with every tag')
    t.same(devices.map((s) => s.points[0]?.value), [2, 0])

    const camera = await store.query({ metric: 'device_health.stateCode', tags: { room: 'rodoy-1', device: 'cam-1' }, ...window })
    t.equal(camera.length, 1)
    t.same(camera[0]?.points, [{ ts: base, value: 2 }])

    const everyRoom = await store.query({ metric: 'network.rttMs', tags: {}, ...window })
    t.equal(everyRoom.length, 3, 'no tag filter: every room, apart')
  })

  t.test('maxPoints cuts a long series into buckets: means of numbers, last of text', async (t) => {
    const store = await opened(t, await fixture.setup(t))
    const base = baseTime()
    const points: TelemetryPoint[] = []
    for (let i = 0; i < 100; i++) {
      points.push({
        measurement: Measurements.deviceHealth,
        tags: { room: 'rodoy-1', device: 'cam-1', kind: 'onvif-camera' },
        fields: { state: i % 10 === 9 ? 'down' : 'ok', stateCode: i % 10 === 9 ? 2 : 0, fps: i },
        ts: base + i * 1000
      })
    }
    // A short series beside it: returned as stored, since it has no more than maxPoints points.
    points.push(...[0, 50, 99].map((i) => ({
      measurement: Measurements.deviceHealth, tags: { room: 'rodoy-1', device: 'mic-1', kind: 'audio' }, fields: { state: 'ok', stateCode: 0, fps: 1000 + i }, ts: base + i * 1000
    })))
    store.write(points)
    await store.flush()
    const window = { from: base, to: base + 99_999 }

    const fps = await store.query({ metric: 'device_health.fps', tags: { room: 'rodoy-1' }, ...window, maxPoints: 10 })
    t.equal(fps.length, 2)
    t.same(fps[0]?.tags.device, 'cam-1')
    t.same(fps[0]?.points, Array.from({ length: 10 }, (_, k) => ({ ts: base + k * 10_000, value: k * 10 + 4.5 })), '10 buckets of 10 s, each the mean of its 10 points')
    t.same(fps[1]?.points, [0, 50, 99].map((i) => ({ ts: base + i * 1000, value: 1000 + i })), 'the short series as stored')

    const state = await store.query({ metric: 'device_health.state', tags: { room: 'rodoy-1', device: 'cam-1' }, ...window, maxPoints: 10 })
    t.same(state[0]?.points, Array.from({ length: 10 }, (_, k) => ({ ts: base + k * 10_000, value: 'down' })), 'text: the last value of each bucket')

    const uneven = await store.query({ metric: 'device_health.fps', tags: { room: 'rodoy-1', device: 'cam-1' }, ...window, maxPoints: 7 })
    t.ok((uneven[0]?.points.length ?? 0) <= 7, 'never more than maxPoints')
    t.equal(uneven[0]?.points[0]?.ts, base, 'buckets start at `from`')

    const enough = await store.query({ metric: 'device_health.fps', tags: { room: 'rodoy-1', device: 'cam-1' }, ...window, maxPoints: 100 })
    t.equal(enough[0]?.points.length, 100, 'maxPoints not exceeded: every point as stored')
    t.equal(enough[0]?.points[37]?.ts, base + 37_000)
  })

  t.test('text and booleans come back as they were written', async (t) => {
    const store = await opened(t, await fixture.setup(t))
    const base = baseTime()
    store.write([
      { measurement: Measurements.readiness, tags: { room: 'rodoy-1' }, fields: { level: 'amber', levelCode: 1, reasons: 2 }, ts: base },
      { measurement: Measurements.readiness, tags: { room: 'rodoy-1' }, fields: { level: 'grønn «klar» "ok"', levelCode: 0, reasons: 0 }, ts: base + 1000 },
      { measurement: 'check', tags: { room: 'rodoy-1' }, fields: { passed: 1, selfTest: true }, ts: base }
    ])
    await store.flush()
    const level = await store.query({ metric: 'readiness.level', tags: { room: 'rodoy-1' }, from: base, to: base + 1000 })
    t.same(level[0]?.points, [{ ts: base, value: 'amber' }, { ts: base + 1000, value: 'grønn «klar» "ok"' }])
    const flag = await store.query({ metric: 'check.selfTest', tags: { room: 'rodoy-1' }, from: base, to: base })
    t.same(flag[0]?.points, [{ ts: base, value: true }])
  })

  t.test('a historical point lands at its own time, in any order of arrival', async (t) => {
    const store = await opened(t, await fixture.setup(t))
    const now = Date.now()
    const threeDaysAgo = now - 3 * 24 * 60 * MINUTE
    store.write([net('rodoy-1', now, { rttMs: 1 })])
    await store.flush()
    store.write([net('rodoy-1', threeDaysAgo, { rttMs: 3 }), net('rodoy-1', now - 2 * MINUTE, { rttMs: 2 })])
    await store.flush()
    const recent = await store.query({ metric: 'network.rttMs', tags: { room: 'rodoy-1' }, from: now - 10 * MINUTE, to: now })
    t.same(recent[0]?.points, [{ ts: now - 2 * MINUTE, value: 2 }, { ts: now, value: 1 }], 'sorted by time, not by arrival')
    const then = await store.query({ metric: 'network.rttMs', tags: { room: 'rodoy-1' }, from: threeDaysAgo - MINUTE, to: threeDaysAgo + MINUTE })
    t.same(then[0]?.points, [{ ts: threeDaysAgo, value: 3 }])
  })

  t.test('the same point twice is one point; a later write at the same time replaces the fields it names', async (t) => {
    const store = await opened(t, await fixture.setup(t))
    const base = baseTime()
    store.write([net('rodoy-1', base, { rttMs: 1, jitterMs: 5 }), net('rodoy-1', base, { rttMs: 1, jitterMs: 5 })])
    await store.flush()
    store.write([net('rodoy-1', base, { rttMs: 2 })])
    await store.flush()
    const rtt = await store.query({ metric: 'network.rttMs', tags: { room: 'rodoy-1' }, from: base, to: base })
    t.same(rtt[0]?.points, [{ ts: base, value: 2 }])
    const jitter = await store.query({ metric: 'network.jitterMs', tags: { room: 'rodoy-1' }, from: base, to: base })
    t.same(jitter[0]?.points, [{ ts: base, value: 5 }], 'a field not named again is kept')
  })

  t.test('flush leaves nothing pending and health counts what was written', async (t) => {
    const store = await opened(t, await fixture.setup(t))
    const base = baseTime()
    store.write(Array.from({ length: 250 }, (_, i) => net('rodoy-1', base + i, { rttMs: i })))
    await store.flush()
    const h = store.health()
    t.equal(h.writable, true)
    t.equal(h.pending, 0)
    t.equal(h.written, 250)
    t.equal(h.dropped, 0)
    t.equal(h.rejected, 0)
    await store.flush()
    t.pass('a flush with nothing to do resolves')
  })

  t.test('points that break the rules are refused whole, counted, and never throw', async (t) => {
    const store = await opened(t, await fixture.setup(t))
    const base = baseTime()
    const good = net('rodoy-1', base, { rttMs: 7 })
    const bad: unknown[] = [
      null,
      { measurement: 'Network', tags: { room: 'rodoy-1' }, fields: { rttMs: 1 }, ts: base },
      { measurement: 'network;DROP', tags: { room: 'rodoy-1' }, fields: { rttMs: 1 }, ts: base },
      { measurement: 'network', tags: { room: 'rodoy-1' }, fields: { 'rtt ms': 1 }, ts: base },
      { measurement: 'network', tags: { room: 'rodoy-1' }, fields: { time: 1 }, ts: base },
      { measurement: 'network', tags: { room: 'rodoy-1' }, fields: {}, ts: base },
      { measurement: 'network', tags: { room: 'rodoy-1' }, fields: { rttMs: Number.NaN }, ts: base },
      { measurement: 'network', tags: { room: 'rodoy-1' }, fields: { rttMs: Number.POSITIVE_INFINITY }, ts: base },
      { measurement: 'network', tags: { room: 'rodoy-1' }, fields: { note: 'line\nbreak' }, ts: base },
      { measurement: 'network', tags: { room: 'rodoy-1\nnetwork,room=x rttMs=1' }, fields: { rttMs: 1 }, ts: base },
      { measurement: 'network', tags: { room: 'rodoy-1\\' }, fields: { rttMs: 1 }, ts: base },
      { measurement: 'network', tags: { room: '' }, fields: { rttMs: 1 }, ts: base },
      { measurement: 'network', tags: { Room: 'rodoy-1' }, fields: { rttMs: 1 }, ts: base },
      { measurement: 'network', tags: { room: 'rodoy-1' }, fields: { rttMs: 1 }, ts: -5 },
      { measurement: 'network', tags: { room: 'rodoy-1' }, fields: { rttMs: 1 }, ts: base + 0.5 },
      { measurement: 'network', tags: { room: 'rodoy-1' }, fields: { rttMs: { nested: 1 } }, ts: base },
      { measurement: Measurements.reading, tags: { room: 'rodoy-1', device: 'spo2-1' }, fields: { spo2: 97 }, ts: base }
    ]
    t.doesNotThrow(() => store.write([...bad as TelemetryPoint[], good]))
    await store.flush()
    const h = store.health()
    t.equal(h.rejected, bad.length, 'each bad point counted once')
    t.equal(h.written, 1, 'the good point among them is kept')
    t.type(h.lastError, 'string', 'the last refusal is reported')
    const kept = await store.query({ metric: 'network.rttMs', tags: {}, from: base, to: base })
    t.same(kept, [{ metric: 'network.rttMs', tags: { room: 'rodoy-1' }, points: [{ ts: base, value: 7 }] }], 'nothing of the bad points leaked in')
  })

  t.test('clinical readings are kept only by a clinical store', async (t) => {
    const open = await fixture.setup(t)
    const store = await opened(t, open, { clinical: true })
    t.equal(store.clinical, true)
    const base = baseTime()
    store.write([{ measurement: Measurements.reading, tags: { room: 'rodoy-1', device: 'spo2-1' }, fields: { spo2: 97, pulse: 64 }, ts: base }])
    await store.flush()
    const spo2 = await store.query({ metric: 'reading.spo2', tags: { room: 'rodoy-1', device: 'spo2-1' }, from: base, to: base })
    t.same(spo2[0]?.points, [{ ts: base, value: 97 }])
    t.equal(store.health().rejected, 0)
  })

  t.test('hostile metric names and tags are refused, quoted values match only themselves', async (t) => {
    const store = await opened(t, await fixture.setup(t))
    const base = baseTime()
    store.write([net('rodoy-1', base, { rttMs: 1 }), net('donna-1', base, { rttMs: 2 }), net("o'hara-1", base, { rttMs: 3 })])
    await store.flush()
    const window = { from: base - MINUTE, to: base + MINUTE }
    const refused: Array<{ metric: string, tags: Record<string, string> }> = [
      { metric: 'network.rttMs" FROM "x', tags: {} },
      { metric: 'network.rttMs; DROP DATABASE helserom', tags: {} },
      { metric: 'network.rtt*', tags: {} },
      { metric: 'network', tags: {} },
      { metric: 'Network.rttMs', tags: {} },
      { metric: 'network.time', tags: {} },
      { metric: 'network.rttMs', tags: { 'room" = \'x\' OR "a': 'b' } },
      { metric: 'network.rttMs', tags: { room: 'a\nb' } },
      { metric: 'network.rttMs', tags: { room: 'x'.repeat(300) } }
    ]
    for (const q of refused) {
      await t.rejects(store.query({ ...q, ...window }), InvalidQueryError, `refused: ${JSON.stringify(q).slice(0, 80)}`)
    }
    await t.rejects(store.query({ metric: 'network.rttMs', tags: {}, from: base, to: base - 1 }), InvalidQueryError, 'from after to')
    await t.rejects(store.query({ metric: 'network.rttMs', tags: {}, ...window, maxPoints: 0 }), InvalidQueryError, 'maxPoints 0')
    await t.rejects(store.query({ metric: 'network.rttMs', tags: {}, from: Number.NaN, to: base }), InvalidQueryError, 'NaN time')

    const hostile = [
      "rodoy-1' OR room =~ /.*/ OR room = '",
      "rodoy-1\\' OR \\'1\\'=\\'1",
      'rodoy-1\\',
      "rodoy-1' OR '1'='1",
      '" OR 1=1 --'
    ]
    for (const room of hostile) {
      t.same(await store.query({ metric: 'network.rttMs', tags: { room }, ...window }), [], `no match for ${room}`)
    }
    const quoted = await store.query({ metric: 'network.rttMs', tags: { room: "o'hara-1" }, ...window })
    t.same(quoted[0]?.points, [{ ts: base, value: 3 }], 'a quote inside a tag value is matched exactly')
    const still = await store.query({ metric: 'network.rttMs', tags: {}, ...window })
    t.equal(still.length, 3, 'everything is still there')
  })

  if (fixture.persists) {
    t.test('history survives close and reopen', async (t) => {
      const open = await fixture.setup(t)
      const base = baseTime()
      const first = open()
      await first.start()
      first.write(Array.from({ length: 50 }, (_, i) => net('rodoy-1', base + i * 1000, { rttMs: i })))
      first.write([{ measurement: Measurements.deviceHealth, tags: { room: 'rodoy-1', device: 'cam-1', kind: 'onvif-camera' }, fields: { state: 'degraded', stateCode: 1 }, ts: base }])
      await first.close()

      const second = await opened(t, open)
      const rtt = await second.query({ metric: 'network.rttMs', tags: { room: 'rodoy-1' }, from: base, to: base + 49_000 })
      t.equal(rtt[0]?.points.length, 50, 'every point, without a flush before close')
      t.same(rtt[0]?.points[49], { ts: base + 49_000, value: 49 })
      const state = await second.query({ metric: 'device_health.state', tags: { room: 'rodoy-1' }, from: base, to: base })
      t.same(state[0]?.points, [{ ts: base, value: 'degraded' }])
      t.equal(second.health().written, 0, 'counters are of this run')
      second.write([net('rodoy-1', base + 50_000, { rttMs: 50 })])
      await second.flush()
      const more = await second.query({ metric: 'network.rttMs', tags: { room: 'rodoy-1' }, from: base, to: base + 50_000 })
      t.equal(more[0]?.points.length, 51, 'writes after reopening join the same series')
    })
  }
}
