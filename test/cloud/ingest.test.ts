// The ingest and fleet state without a broker: messages handed to Ingest.handle() as the broker
// would, so that every rule is checked on its own. The same paths run over real MQTT in hub-mqtt.test.ts.
import t from 'tap'
import { FleetState, LAST_READING_MAX_AGE_MS } from '../../cloud/fleet-state.js'
import { Ingest, type ReadingEvent, type RoomChangeEvent } from '../../cloud/ingest.js'
import { HubMetrics } from '../../cloud/metrics.js'
import { ReadingSequences } from '../../cloud/reading-sequences.js'
import { topicMatches } from '../../cloud/broker/broker.js'
import { MqttFrameScanner } from '../../cloud/broker/packet-size-limit.js'
import { Measurements, type TelemetryPoint, type TelemetryStore } from '../../cloud/store/telemetry-store.js'
import { testLogger } from '../helpers/index.js'
import { healthMsg, readingMsg, readinessMsg, statusMsg } from './hub-fixtures.js'

/** Collects what the ingest writes; a stand-in only for the store interface, which another module implements. */
class CollectingStore implements TelemetryStore {
  readonly kind = 'embedded' as const
  constructor (readonly clinical: boolean) {}
  points: TelemetryPoint[] = []
  async start (): Promise<void> {}
  write (points: readonly TelemetryPoint[]): void { this.points.push(...points) }
  async flush (): Promise<void> {}
  async query (): Promise<never[]> { return [] }
  health (): ReturnType<TelemetryStore['health']> { return { writable: true, pending: 0, dropped: 0, rejected: 0, written: this.points.length, lastError: null, lastErrorAt: null } }
  async close (): Promise<void> {}
}

function setup (clinical = false): { ingest: Ingest, fleet: FleetState, metrics: HubMetrics, store: CollectingStore, send: (topic: string, value: unknown) => void } {
  const fleet = new FleetState([{ room: 'rodoy-1', name: 'Helserom Rødøy', site: 'Rødøy kommune' }])
  const metrics = new HubMetrics()
  const store = new CollectingStore(clinical)
  const ingest = new Ingest({ fleet, metrics, log: testLogger(), store })
  const send = (topic: string, value: unknown): void => ingest.handle({
    topic, payload: Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), retain: false, qos: 1
  })
  return { ingest, fleet, metrics, store, send }
}

t.test('reading sequences: duplicates, gaps, recoveries, boots', async (t) => {
  const s = new ReadingSequences({ window: 100, bootsPerDevice: 2 })
  t.same(s.check('r', 'd', 'b1', 5), { kind: 'new', lost: 0 }, 'the first seen seq of a boot is not a loss')
  t.same(s.check('r', 'd', 'b1', 6), { kind: 'new', lost: 0 })
  t.same(s.check('r', 'd', 'b1', 6), { kind: 'duplicate' })
  t.same(s.check('r', 'd', 'b1', 9), { kind: 'new', lost: 2 }, 'a gap of 7 and 8')
  t.same(s.check('r', 'd', 'b1', 7), { kind: 'recovered' }, 'a late one fills the gap')
  t.same(s.check('r', 'd', 'b1', 7), { kind: 'duplicate' })
  t.same(s.check('r', 'd', 'b1', 3), { kind: 'new', lost: 0 }, 'older than the first seen: replayed history')
  t.same(s.check('r', 'd', 'b2', 0), { kind: 'new', lost: 0 }, 'a new boot starts over')
  t.same(s.check('r', 'd', 'b1', 9), { kind: 'duplicate' }, 'the old boot is still remembered')
  t.same(s.check('r', 'other', 'b1', 9), { kind: 'new', lost: 0 }, 'devices are separate')
  t.same(s.check('r', 'd', 'b3', 0), { kind: 'new', lost: 0 })
  t.same(s.check('r', 'd', 'b2', 0), { kind: 'new', lost: 0 }, 'the stalest boot (b2) was forgotten after b1 was heard again')
  for (let i = 10; i < 400; i++) s.check('r', 'd', 'b1', i)
  t.same(s.check('r', 'd', 'b1', 250), { kind: 'duplicate' }, 'pruning keeps the window')
  t.same(s.check('r', 'd', 'b1', 5), { kind: 'duplicate' }, 'below the window counts as a duplicate')
})

t.test('topic filters match as MQTT says', async (t) => {
  t.ok(topicMatches('helserom/v1/#', 'helserom/v1/r/status'))
  t.ok(topicMatches('helserom/v1/+/status', 'helserom/v1/r/status'))
  t.notOk(topicMatches('helserom/v1/+/status', 'helserom/v1/r/readiness'))
  t.ok(topicMatches('helserom/v1/r/#', 'helserom/v1/r'), '# matches the parent level too')
  t.notOk(topicMatches('#', '$SYS/x'))
  t.notOk(topicMatches('+/x', '$SYS/x'))
  t.notOk(topicMatches('a/b', 'a/b/c'))
})

t.test('the MQTT frame scanner finds oversized packets in any chunking', async (t) => {
  const packet = (len: number): Buffer => {
    const header = [0x30]
    let x = len
    do { let b = x % 128; x = Math.floor(x / 128); if (x > 0) b |= 0x80; header.push(b) } while (x > 0)
    return Buffer.concat([Buffer.from(header), Buffer.alloc(len)])
  }
  const stream = Buffer.concat([packet(10), packet(200), packet(0), packet(1000)])
  for (const chunk of [1, 3, 7, stream.length]) {
    const s = new MqttFrameScanner(2000)
    let ok = true
    for (let i = 0; i < stream.length; i += chunk) ok = s.push(stream.subarray(i, i + chunk)) && ok
    t.ok(ok, `small packets pass in chunks of ${chunk}`)
  }
  const s = new MqttFrameScanner(500)
  t.ok(s.push(packet(200)))
  t.notOk(s.push(packet(1000).subarray(0, 4)), 'refused from the header alone')
  t.equal(s.tooLarge, 1003)
  t.notOk(new MqttFrameScanner(500).push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff])), 'a malformed length is refused')
})

t.test('messages update the fleet state and are written as points', async (t) => {
  const { ingest, fleet, store, metrics, send } = setup()
  const changes: RoomChangeEvent[] = []
  ingest.on('room', (e) => changes.push(e))
  send('helserom/v1/rodoy-1/status', statusMsg(true, 'b1'))
  send('helserom/v1/rodoy-1/readiness', readinessMsg('red'))
  send('helserom/v1/rodoy-1/network', { rttMs: 20, jitterMs: 3, lossPct: 0, upMbps: 10, downMbps: 30, ifaceUtilPct: null, ts: Date.now() })
  send('helserom/v1/rodoy-1/devices/cam-1/health', healthMsg('down'))
  send('helserom/v1/rodoy-1/schedule', [{ id: 'c-1', start: Date.now() + 3600_000, minutes: 30, profile: 'ortopedi' }])
  const room = fleet.get('rodoy-1')!
  t.equal(room.online, true)
  t.equal(room.boot, 'b1')
  t.equal(room.readiness?.level, 'red')
  t.equal(room.network?.rttMs, 20)
  t.equal(room.devices['cam-1']?.state, 'down')
  t.equal(room.devices['cam-1']?.name, 'Kamera')
  t.equal(room.schedule?.length, 1)
  t.ok(room.lastSeen !== null)
  t.same(changes.map((c) => c.part), ['status', 'readiness', 'network', 'device', 'schedule'])
  t.same(store.points.map((p) => p.measurement), [Measurements.gatewayStatus, Measurements.readiness, Measurements.network, Measurements.deviceHealth])
  const health = store.points.find((p) => p.measurement === Measurements.deviceHealth)!
  t.same(health.tags, { room: 'rodoy-1', device: 'cam-1', kind: 'onvif-camera' })
  t.same(health.fields, { state: 'down', stateCode: 2, rttMs: 12, online: 1 }, 'the state, numeric metrics, booleans as 0/1')
  t.notOk('ifaceUtilPct' in store.points[2]!.fields, 'null measurements are left out')
  t.equal(await metrics.value('helserom_hub_messages_total', { kind: 'readiness' }), 1)

  send('helserom/v1/rodoy-1/status', { online: false })
  t.equal(room.online, false, 'the Last Will takes the room offline')
  t.equal(room.boot, 'b1', 'and keeps what was known')
})

t.test('historical messages go to history only', async (t) => {
  const { ingest, fleet, store, send } = setup(true)
  const readings: ReadingEvent[] = []
  ingest.on('reading', (e) => readings.push(e))
  send('helserom/v1/rodoy-1/devices/cam-1/health', healthMsg('ok'))
  send('helserom/v1/rodoy-1/devices/cam-1/health', { ...healthMsg('down'), historical: true })
  t.equal(fleet.get('rodoy-1')!.devices['cam-1']?.state, 'ok', 'the current state is not changed by history')
  send('helserom/v1/rodoy-1/devices/spo2-1/readings', readingMsg(1, 'old-boot', { historical: true }))
  t.equal(fleet.get('rodoy-1')!.devices['spo2-1']?.lastReading ?? null, null)
  t.equal(readings.length, 1)
  t.equal(readings[0]?.historical, true)
  t.equal(store.points.filter((p) => p.measurement === Measurements.deviceHealth).length, 2)
  t.equal(store.points.filter((p) => p.measurement === Measurements.reading).length, 1, 'clinical: the reading is stored')
})

t.test('readings are de-duplicated, gaps counted, and stored only when clinical', async (t) => {
  const { ingest, fleet, store, metrics, send } = setup(false)
  const readings: ReadingEvent[] = []
  ingest.on('reading', (e) => readings.push(e))
  for (const seq of [0, 1, 2, 2, 1, 5, 3]) send('helserom/v1/rodoy-1/devices/spo2-1/readings', readingMsg(seq))
  t.same(readings.map((r) => r.reading.seq), [0, 1, 2, 5, 3])
  const room = fleet.get('rodoy-1')!
  t.same(room.readings, { accepted: 5, duplicates: 2, lost: 2, recovered: 1 })
  t.equal(room.devices['spo2-1']?.lastReading?.seq, 3, 'the last live reading received')
  t.equal(await metrics.value('helserom_hub_readings_duplicate_total'), 2)
  t.equal(await metrics.value('helserom_hub_readings_lost_total'), 2)
  t.equal(store.points.filter((p) => p.measurement === Measurements.reading).length, 0, 'not clinical: no readings stored')
})

t.test('a device\'s last reading is forgotten once it is older than the bound', async (t) => {
  const fleet = new FleetState([{ room: 'rodoy-1', name: 'Helserom Rødøy' }])
  const t0 = 1_000_000
  fleet.applyReading('rodoy-1', 'spo2-1', readingMsg(0), t0)
  fleet.applyReading('rodoy-1', 'bp-1', readingMsg(0), t0 + LAST_READING_MAX_AGE_MS)
  t.equal(fleet.forgetReadingsBefore(t0), 0, 'nothing older than the bound yet')
  t.equal(fleet.forgetReadingsBefore(t0 + LAST_READING_MAX_AGE_MS), 1, 'one reading past it')
  const devices = fleet.get('rodoy-1')!.devices
  t.equal(devices['spo2-1']?.lastReading, null, 'the old one is gone')
  t.equal(devices['bp-1']?.lastReading?.seq, 0, 'the younger one is kept')
})

t.test('bad input is rejected, counted by kind and cause, and changes nothing', async (t) => {
  const { ingest, fleet, metrics, send } = setup()
  let rejected = 0
  ingest.on('rejected', () => rejected++)
  send('helserom/v1/rodoy-1/readiness', 'not json')
  send('helserom/v1/rodoy-1/readiness', { level: 'purple', ts: 1 })
  send('helserom/v1/rodoy-1/nonsense', {})
  send('helserom/v1/bodo-9/readiness', readinessMsg())
  send('helserom/v1/rodoy-1/network', Buffer.alloc(300 * 1024, 0x20))
  send('helserom/v1/rodoy-1/readiness', Buffer.alloc(0)) // clearing a retained message: ignored
  t.equal(fleet.get('rodoy-1')!.readiness, null)
  t.equal(fleet.get('rodoy-1')!.lastSeen, null, 'rejected messages do not count as signs of life')
  t.equal(await metrics.value('helserom_hub_messages_rejected_total', { kind: 'readiness', cause: 'json' }), 1)
  t.equal(await metrics.value('helserom_hub_messages_rejected_total', { kind: 'readiness', cause: 'schema' }), 1)
  t.equal(await metrics.value('helserom_hub_messages_rejected_total', { kind: 'unknown', cause: 'topic' }), 1)
  t.equal(await metrics.value('helserom_hub_messages_rejected_total', { kind: 'readiness', cause: 'unknown-room' }), 1)
  t.equal(await metrics.value('helserom_hub_messages_rejected_total', { kind: 'network', cause: 'too-large' }), 1)
  t.equal(rejected, 5)
  send('helserom/v1/rodoy-1/readiness', readinessMsg('green'))
  t.equal(fleet.get('rodoy-1')!.readiness?.level, 'green', 'the next good message gets through')
})

t.test('a throwing listener does not break the ingest', async (t) => {
  const { ingest, fleet, send } = setup()
  ingest.on('room', () => { throw new Error('listener bug') })
  send('helserom/v1/rodoy-1/readiness', readinessMsg('amber'))
  send('helserom/v1/rodoy-1/network', { rttMs: 1, jitterMs: 1, lossPct: 0, upMbps: 1, downMbps: 1, ifaceUtilPct: 1, ts: 1 })
  t.equal(fleet.get('rodoy-1')!.readiness?.level, 'amber')
  t.equal(fleet.get('rodoy-1')!.network?.rttMs, 1)
})

t.test('a room cannot grow without bound', async (t) => {
  const { fleet, metrics, send } = setup()
  for (let i = 0; i < 205; i++) send(`helserom/v1/rodoy-1/devices/d-${i}/health`, healthMsg())
  t.equal(Object.keys(fleet.get('rodoy-1')!.devices).length, 200)
  t.equal(await metrics.value('helserom_hub_messages_rejected_total', { cause: 'too-many-devices' }), 5)
})
