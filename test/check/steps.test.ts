// The verdict of each check step from what was measured, table-driven: pure, no devices.
import t from 'tap'
import { judgeBattery, judgeClock, judgeHealth, judgeNetwork, judgeReading, judgeStream, judgeThroughput } from '../../gateway/check/steps.js'
import { checkReasons } from '../../gateway/check/check-reasons.js'
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

t.test('stream: its bitrate against minKbps, timed by the check or by the driver; a stream nobody could time is unverified', async (t) => {
  const stream = (over: Partial<DeviceView>): DeviceView => device({ id: 'jodapro-1', name: 'Jodapro', kind: 'video-stream', ...over })
  t.match(judgeStream(stream({ metrics: { kbps: 2000 } }), 1500), { passed: true, value: 2000 })
  t.match(judgeStream(stream({ metrics: { kbps: 900 } }), 1500), { passed: false, reason: { code: 'check.stream-bitrate' } })
  t.match(judgeStream(stream({ metrics: { kbps: null } }), 1500, { kind: 'measured', kbps: 3900 }), { passed: true, value: 3900 }, 'RTSP timed by the check')
  t.match(judgeStream(stream({ metrics: { kbps: null } }), 1500, { kind: 'measured', kbps: 700 }), { passed: false, value: 700, reason: { code: 'check.stream-bitrate' } })
  const untimed = judgeStream(stream({ metrics: { kbps: null } }), 1500)
  t.match(untimed, { passed: false, unverified: true, value: null, reason: { code: 'check.stream-unverified', level: 'amber', device: 'jodapro-1' } }, 'healthy, but nobody measured its bitrate: not a pass')
  t.equal(untimed.reason?.message.nb, 'Fikk ikke målt videokvaliteten fra Jodapro — kontakt IT om det varer')
  t.match(untimed.reason?.message.en, /^Could not measure Jodapro's video bitrate/)
  t.match(judgeStream(stream({ metrics: { kbps: null } }), 1500, { kind: 'skipped' }), { passed: true, skipped: true }, 'not pulled during a consultation')
  const cut = judgeStream(stream({ metrics: {} }), 1500, { kind: 'failed', reason: { code: 'video-stream.refused', message: { nb: 'Jodapro sender ikke video — sjekk at kameraet er slått på og koblet til nettet', en: 'Jodapro is not sending video' } } })
  t.match(cut, { passed: false, reason: { code: 'check.device-down', level: 'red' } })
  t.equal(cut.reason?.message.nb, 'Jodapro sender ikke video — sjekk at kameraet er slått på og koblet til nettet')
  t.match(judgeStream(stream({ state: 'degraded', metrics: {} }), 1500), { passed: false })
})

t.test('device health for other kinds', async (t) => {
  t.match(judgeHealth(device()), { passed: true, value: 'ok' })
  t.match(judgeHealth(device({ state: 'degraded', reason: { code: 'x', message: { nb: 'Varm', en: 'Hot' } } })), { passed: false, reason: { code: 'check.device-degraded', message: { nb: 'HoloLens: Varm', en: 'HoloLens: Hot' } } })
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
  t.match(judgeThroughput({ kind: 'failed', reason: null }, limits), { passed: false, unverified: true, reason: { code: 'check.bandwidth-unmeasured', level: 'amber' } })
  const refused = judgeThroughput({ kind: 'refused', reason: checkReasons.hubRefused() }, limits)
  t.match(refused, { passed: false, unverified: true, reason: { code: 'check.hub-refused', level: 'amber' } })
  t.equal(refused.reason?.message.nb, 'Sykehusets server godtar ikke innloggingen fra boksen, så båndbredden kan ikke måles — kontakt IT')
})

t.test('clock: in sync and close to the hub\'s; unverified when nothing could be asked', async (t) => {
  t.match(judgeClock({ synced: true, offsetMs: 120, maxOffsetMs: 2000, device: 'box' }), { passed: true, value: 120, device: 'box' })
  t.match(judgeClock({ synced: true, offsetMs: null, maxOffsetMs: 2000 }), { passed: true, value: null }, 'the box says it is synchronised')
  t.match(judgeClock({ synced: null, offsetMs: 40, maxOffsetMs: 2000 }), { passed: true, value: 40 }, 'the hub\'s clock agrees')
  const nothing = judgeClock({ synced: null, offsetMs: null, maxOffsetMs: 2000 })
  t.match(nothing, { passed: false, unverified: true, value: null, reason: { code: 'check.clock-unverified', level: 'amber' } }, 'nothing could be checked: not a pass')
  t.equal(nothing.reason?.message.nb, 'Fikk ikke sjekket klokken i gatewayboksen — kontakt IT om det varer')
  t.match(nothing.reason?.message.en, /^Could not check the gateway box's clock/)
  const refused = judgeClock({ synced: null, offsetMs: null, hubProblem: checkReasons.hubRefused(), maxOffsetMs: 2000, device: 'box' })
  t.match(refused, { passed: false, unverified: true, device: 'box', reason: { code: 'check.hub-refused', level: 'amber', device: 'box' } }, 'the hub refused: said so')
  const off = judgeClock({ synced: true, offsetMs: -3200, maxOffsetMs: 2000 })
  t.equal(off.reason?.message.nb, 'Klokken i gatewayboksen går feil (3,2 s fra sykehusets klokke) — kontakt IT')
  t.match(judgeClock({ synced: false, offsetMs: 10, maxOffsetMs: 2000 }), { passed: false, reason: { code: 'check.clock-unsynced' } })
})

t.test('a device with a sentence of its own is said once, in its words, on the light too', async (t) => {
  const camera = device({ id: 'cam-1', name: 'Kamera', kind: 'onvif-camera', state: 'down', reason: { code: 'camera.unreachable', level: 'red', message: { nb: 'Kameraet svarer ikke — sjekk strøm og nettverkskabel', en: 'The camera does not answer — check its power and network cable' } } })
  const step = judgeHealth(camera)
  t.match(step, { passed: false, device: 'cam-1', reason: { code: 'check.device-down', level: 'red', device: 'cam-1' } })
  t.equal(step.reason?.message.nb, 'Kameraet svarer ikke — sjekk strøm og nettverkskabel')
  const light = checkReasons.inReadiness(step.reason!)
  t.equal(light.message.nb, 'Sjekk før timen: Kameraet svarer ikke — sjekk strøm og nettverkskabel')
  t.equal(light.message.en, 'Pre-session check: The camera does not answer — check its power and network cable')
  t.equal(light.level, 'red')
  // A driver sentence that does not name the device gets the name in front, once.
  const quiet = judgeHealth(device({ id: 'spo2-1', name: 'Pulsoksymeter', state: 'down', reason: { code: 'serial.silent', message: { nb: 'Ingen data på kabelen — sjekk at den sitter i', en: 'No data on the cable — check it is plugged in' } } }))
  t.equal(quiet.reason?.message.nb, 'Pulsoksymeter: Ingen data på kabelen — sjekk at den sitter i')
  // Without a sentence of its own, ours.
  t.equal(judgeHealth(device({ state: 'down' })).reason?.message.nb, 'HoloLens svarer ikke — sjekk at den er slått på og koblet til')
})
