// The mapping from wire messages to telemetry points, fed with messages decoded by the real validator.
import t from 'tap'
import { topics } from '../../../protocol/topics.js'
import { WireValidator, type Decoded } from '../../../protocol/validate.js'
import { pointsOf, fieldName } from '../../../cloud/store/points.js'
import { checkPoint } from '../../../cloud/store/point-rules.js'
import { Measurements } from '../../../cloud/store/telemetry-store.js'

const validator = new WireValidator()
function decoded (topic: string, message: unknown): Decoded {
  const d = validator.decode(topic, JSON.stringify(message))
  if (d === null) throw new Error(`test message rejected: ${[...validator.rejected.keys()].join(', ')}`)
  return d
}
const ts = Date.UTC(2026, 10, 24, 8, 30, 0)
const receivedAt = ts + 5000
const off = { clinical: false, receivedAt }

t.test('network: every measured number, nulls left out', async (t) => {
  const points = pointsOf(decoded(topics.network('rodoy-1'), { rttMs: 42.5, jitterMs: 3, lossPct: 0, upMbps: null, downMbps: 48.2, ifaceUtilPct: 12, ts }), off)
  t.same(points, [{ measurement: Measurements.network, tags: { room: 'rodoy-1' }, fields: { rttMs: 42.5, jitterMs: 3, lossPct: 0, downMbps: 48.2, ifaceUtilPct: 12 }, ts }])
  t.same(pointsOf(decoded(topics.network('rodoy-1'), { rttMs: null, jitterMs: null, lossPct: null, upMbps: null, downMbps: null, ifaceUtilPct: null, ts }), off), [], 'nothing measured yet: no point')
})

t.test('device health: state text and code, numeric metrics, tags room/device/kind', async (t) => {
  const points = pointsOf(decoded(topics.health('rodoy-1', 'hololens-1'), {
    kind: 'hololens',
    state: 'degraded',
    reason: { code: 'battery.low', message: { nb: 'Lavt batteri', en: 'Low battery' } },
    metrics: { batteryPct: 22, 'fps-in': 29.5, charging: false, firmware: '10.0.2', temperature: null, state: 99 },
    ts
  }), off)
  t.same(points, [{
    measurement: Measurements.deviceHealth,
    tags: { room: 'rodoy-1', device: 'hololens-1', kind: 'hololens' },
    fields: { state: 'degraded', stateCode: 1, batteryPct: 22, fps_in: 29.5, charging: 0 },
    ts
  }], 'text and null metrics left out, booleans as 0/1, names cleaned, never overriding state')
  const codes = ['ok', 'degraded', 'down', 'unknown'].map((state) =>
    pointsOf(decoded(topics.health('r', 'd'), { kind: 'k', state, reason: null, metrics: {}, ts }), off)[0]?.fields.stateCode)
  t.same(codes, [0, 1, 2, 3])
})

t.test('readiness: level, levelCode and the number of reasons', async (t) => {
  const reason = { code: 'device.down', message: { nb: 'Kameraet svarer ikke', en: 'The camera does not answer' }, device: 'cam-1', level: 'red' }
  const points = pointsOf(decoded(topics.readiness('donna-1'), { level: 'red', profile: 'hud', session: null, reasons: [reason, { ...reason, device: 'jodapro-1' }], ts }), off)
  t.same(points, [{ measurement: Measurements.readiness, tags: { room: 'donna-1' }, fields: { level: 'red', levelCode: 2, reasons: 2 }, ts }])
})

t.test('gateway status: online 0/1; a Last Will without ts lands when it arrived', async (t) => {
  t.same(pointsOf(decoded(topics.status('rodoy-1'), { online: true, version: '0.1.0', boot: 'b1', startedAt: ts - 1000, ts }), off),
    [{ measurement: Measurements.gatewayStatus, tags: { room: 'rodoy-1' }, fields: { online: 1 }, ts }])
  t.same(pointsOf(decoded(topics.status('rodoy-1'), { online: false }), off),
    [{ measurement: Measurements.gatewayStatus, tags: { room: 'rodoy-1' }, fields: { online: 0 }, ts: receivedAt }])
})

t.test('check: passed 0/1 and the number of failed steps', async (t) => {
  const step = (name: string, passed: boolean) => ({ name, passed, ts })
  const points = pointsOf(decoded(topics.check('rodoy-1'), {
    id: 'chk-1', trigger: 'scheduled', session: 'c-1', profile: 'ortopedi', passed: false,
    steps: [step('camera', true), step('network', false), step('jodapro', false)], startedAt: ts - 20_000, ts
  }), off)
  t.same(points, [{ measurement: Measurements.check, tags: { room: 'rodoy-1' }, fields: { passed: 0, failedSteps: 2 }, ts }])
})

t.test('readings: only when clinical, numbers only, never values flagged invalid', async (t) => {
  const message = { ts, boot: 'b1', seq: 7, values: { spo2: 97, pulse: 64, pi: 0.1, status: 'ok', rr: null }, units: { spo2: '%', pulse: 'bpm' }, invalid: ['pi'] }
  t.same(pointsOf(decoded(topics.readings('rodoy-1', 'spo2-1'), message), off), [], 'not clinical: nothing kept')
  t.same(pointsOf(decoded(topics.readings('rodoy-1', 'spo2-1'), message), { clinical: true, receivedAt }), [{
    measurement: Measurements.reading, tags: { room: 'rodoy-1', device: 'spo2-1' }, fields: { spo2: 97, pulse: 64 }, ts
  }])
})

t.test('historical messages keep their own time', async (t) => {
  const then = ts - 3 * 86_400_000
  const health = pointsOf(decoded(topics.health('rodoy-1', 'cam-1'), { kind: 'onvif-camera', state: 'down', reason: null, metrics: {}, historical: true, ts: then }), off)
  t.equal(health[0]?.ts, then)
  const reading = pointsOf(decoded(topics.readings('rodoy-1', 'spo2-1'), { ts: then, boot: 'b0', seq: 1, values: { spo2: 95 }, units: {}, historical: true }), { clinical: true, receivedAt })
  t.equal(reading[0]?.ts, then)
})

t.test('commands, results and schedules are not telemetry', async (t) => {
  t.same(pointsOf(decoded(topics.command('rodoy-1', 'ptz.gotoPreset'), { id: 'x', ts }), off), [])
  t.same(pointsOf(decoded(topics.commandResult('rodoy-1', 'ptz.gotoPreset'), { id: 'x', ok: true, ts }), off), [])
  t.same(pointsOf(decoded(topics.schedule('rodoy-1'), [{ id: 'c', start: ts, minutes: 30, profile: 'p' }]), off), [])
})

t.test('every point produced passes the stores\' rules', async (t) => {
  const points = [
    ...pointsOf(decoded(topics.health('rodoy-1', 'cam-1'), { kind: 'onvif camera\\x', state: 'ok', reason: null, metrics: { 'a.b/c': 1, time: 2, '---': 3 }, ts }), off),
    ...pointsOf(decoded(topics.readings('rodoy-1', 'bp-1'), { ts, boot: 'b', seq: 0, values: { 'sys (mmHg)': 120 }, units: {} }), { clinical: true, receivedAt })
  ]
  for (const p of points) t.type(checkPoint(p, true), 'object', `${p.measurement} ${JSON.stringify(p.fields)}`)
  t.equal(fieldName('time'), null)
  t.equal(fieldName('---'), null)
  t.equal(fieldName('a.b/c'), 'a_b_c')
})
