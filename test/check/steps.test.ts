// The verdict of each check step from what was measured, table-driven: pure, no devices.
import t from 'tap'
import { judgeBattery, judgeClock, judgeHealth, judgeNetwork, judgeReading, judgeStream, judgeThroughput } from '../../gateway/check/steps.js'
import type { DeviceView } from '../../gateway/readiness/evaluate.js'
import type { NetworkMessage } from '../../protocol/messages.js'

const limits = { minUpMbps: 3, minDownMbps: 3, maxRttMs: 100, maxJitterMs: 30, maxLossPct: 1, videoStreams: 1 }
const device = (over: Partial<DeviceView> = {}): DeviceView => ({ id: 'hololens-1', name: 'HoloLens', kind: 'hololens', enabled: true, state: 'ok', reason: null, metrics: {}, ...over })
const now = 1_000_000
const net: NetworkMessage = { rttMs: 30, jitterMs: 4, lossPct: 0, upMbps: 10, downMbps: 20, ifaceUtilPct: 5, ts: now - 1000 }

t.test('battery: lasts the consultation and the margin, or is charging', async (t) => {
  t.match(judgeBattery(device({ metrics: { batteryMinutesLeft: 60 } }), 45, 10), { passed: true, value: 60, unit: 'min' })
  t.match(judgeBattery(device({ metrics: { batteryMinutesLeft: 50 } }), 45, 10), { passed: false, reason: { code: 'check.battery-short', level: 'amber' } })
  t.match(judgeBattery(device({ metrics: { batteryMinutesLeft: 5, batteryPct: 3, charging: true } }), 45, 10), { passed: true, value: 3, unit: '%' })
  t.match(judgeBattery(device({ metrics: { batteryPct: 50 } }), 45, 10), { passed: false, reason: { code: 'check.battery-unknown' } })
  const down = judgeBattery(device({ state: 'down' }), 45, 10)
  t.match(down, { passed: false, reason: { code: 'check.device-down', level: 'red', device: 'hololens-1' } })
  t.equal(down.reason?.message.nb, 'HoloLens svarer ikke — sjekk at den er slått på og koblet til')
})

t.test('stream: its bitrate against minKbps; a stream that cannot be timed passes on its health', async (t) => {
  const stream = (over: Partial<DeviceView>): DeviceView => device({ id: 'jodapro-1', name: 'Jodapro', kind: 'video-stream', ...over })
  t.match(judgeStream(stream({ metrics: { kbps: 2000 } }), 1500), { passed: true, value: 2000 })
  t.match(judgeStream(stream({ metrics: { kbps: 900 } }), 1500), { passed: false, reason: { code: 'check.stream-bitrate' } })
  t.match(judgeStream(stream({ metrics: { kbps: null } }), 1500), { passed: true, value: null })
  t.match(judgeStream(stream({ state: 'degraded', metrics: {} }), 1500), { passed: false })
})

t.test('device health for other kinds', async (t) => {
  t.match(judgeHealth(device()), { passed: true, value: 'ok' })
  t.match(judgeHealth(device({ state: 'degraded', reason: { code: 'x', message: { nb: 'Varm', en: 'Hot' } } })), { passed: false, reason: { code: 'check.device-degraded', message: { nb: 'HoloLens virker ikke helt som det skal (Varm)' } } })
  t.match(judgeHealth(device({ enabled: false })), { passed: false, reason: { code: 'check.device-down' } })
})

t.test('sensor readings', async (t) => {
  const d = { id: 'spo2-1', name: 'Pulsoksymeter' }
  const base = { ts: now, boot: 'b', seq: 1, units: { spo2: '%', pulse: '/min' } }
  t.match(judgeReading(d, { ...base, values: { spo2: 97, pulse: 64 } }, 1000), { passed: true, value: 'spo2 97 %, pulse 64 /min' })
  t.match(judgeReading(d, { ...base, values: { spo2: 30, pulse: 64 }, invalid: ['spo2'] }, 1000), { passed: true, value: 'pulse 64 /min' }, 'the plausible value counts')
  t.match(judgeReading(d, { ...base, values: { spo2: 30, pulse: 900 }, invalid: ['spo2', 'pulse'] }, 1000), { passed: false, reason: { code: 'check.sensor-implausible' } })
  t.match(judgeReading(d, { ...base, values: { spo2: null, pulse: null }, conditions: ['pulse-search'] }, 1000), { passed: true, value: 'standby' })
  t.match(judgeReading(d, { ...base, values: { spo2: null, pulse: null }, conditions: ['defective-sensor'] }, 1000), { passed: false, reason: { code: 'check.sensor-fault' } })
  t.match(judgeReading(d, null, 15_000), { passed: false, reason: { code: 'check.sensor-silent', message: { nb: /på 15 sekunder/ } } })
})

t.test('network quality against the profile', async (t) => {
  t.match(judgeNetwork(net, limits, now, 180_000), { passed: true })
  const poor = judgeNetwork({ ...net, rttMs: 180, lossPct: 3 }, limits, now, 180_000)
  t.equal(poor.passed, false)
  t.equal(poor.reason?.message.nb, 'Nettverket er for dårlig til video (svartid 180 ms, grense 100 ms; tap 3 %, grense 1 %) — video vil hakke')
  t.match(judgeNetwork(null, limits, now, 180_000), { passed: false, reason: { code: 'check.network-unmeasured' } })
  t.match(judgeNetwork({ ...net, ts: now - 600_000 }, limits, now, 180_000), { passed: false }, 'too old')
})

t.test('throughput against the need each way', async (t) => {
  t.match(judgeThroughput({ kind: 'measured', upMbps: 5, downMbps: 12 }, limits), { passed: true, value: '5.0 / 12.0' })
  const short = judgeThroughput({ kind: 'measured', upMbps: 1.2, downMbps: 12 }, limits)
  t.equal(short.reason?.message.nb, 'For lite båndbredde ut (1,2 Mbit/s, trenger 3 Mbit/s) — video vil bli dårlig')
  t.match(judgeThroughput({ kind: 'measured', upMbps: 5, downMbps: 2 }, limits), { passed: false, reason: { code: 'check.bandwidth-down' } })
  t.match(judgeThroughput({ kind: 'skipped' }, limits), { passed: true, skipped: true })
  t.match(judgeThroughput({ kind: 'failed', reason: null }, limits), { passed: false, reason: { code: 'check.bandwidth-unmeasured', level: 'amber' } })
})

t.test('clock: in sync and close to the hub\'s', async (t) => {
  t.match(judgeClock({ synced: true, offsetMs: 120, maxOffsetMs: 2000, device: 'box' }), { passed: true, value: 120, device: 'box' })
  t.match(judgeClock({ synced: null, offsetMs: null, maxOffsetMs: 2000 }), { passed: true, value: null })
  const off = judgeClock({ synced: true, offsetMs: -3200, maxOffsetMs: 2000 })
  t.equal(off.reason?.message.nb, 'Klokken i gatewayboksen går feil (3,2 s fra sykehusets klokke) — kontakt IT')
  t.match(judgeClock({ synced: false, offsetMs: 10, maxOffsetMs: 2000 }), { passed: false, reason: { code: 'check.clock-unsynced' } })
})
