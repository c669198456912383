// The alert rules as a pure function of a room's state and the clock: which conditions each rule
// finds, how severity grows as a consultation nears, and that one fault makes one condition.
import t from 'tap'
import { FleetState, type RoomState } from '../../cloud/fleet-state.js'
import type { BandwidthSample } from '../../cloud/incidents/bandwidth-trend.js'
import { judgeBandwidth } from '../../cloud/incidents/bandwidth-trend.js'
import { linearFit } from '../../protocol/linear-fit.js'
import { alertsConfig } from '../../cloud/incidents/config.js'
import { currentOrNext, evaluateRoom, proximity } from '../../cloud/incidents/rules.js'
import type { CheckReport, Reason, ReadinessMessage } from '../../protocol/messages.js'

const MIN = 60_000
// Tuesday 24 November 2026, 08:00 in Oslo (07:00 UTC)
const NOW = Date.UTC(2026, 10, 24, 7, 0)
const config = alertsConfig()

function room (edit: (fleet: FleetState) => void = () => {}): RoomState {
  const fleet = new FleetState([{ room: 'rodoy-1', name: 'Helserom Rødøy' }])
  fleet.applyStatus('rodoy-1', { online: true, version: '0.1.0', boot: 'b-1' }, NOW - 3600_000)
  fleet.applyHealth('rodoy-1', 'cam-1', { kind: 'onvif-camera', name: 'Kamera', state: 'ok', reason: null, metrics: {}, ts: NOW })
  fleet.applyHealth('rodoy-1', 'hololens-1', { kind: 'hololens', name: 'HoloLens', state: 'ok', reason: null, metrics: {}, ts: NOW })
  edit(fleet)
  return fleet.get('rodoy-1')!
}

const camDown: Reason = { code: 'device.down', level: 'red', device: 'cam-1', message: { nb: 'Kamera svarer ikke — sjekk strøm og kabel', en: 'Kamera is not responding — check power and cable' } }
const rtt: Reason = { code: 'network.rtt', level: 'red', message: { nb: 'Nettverket er for tregt', en: 'The network is too slow' } }
const settling: Reason = { code: 'readiness.settling', level: 'amber', message: { nb: 'Sjekker', en: 'Checking' } }

function readiness (level: ReadinessMessage['level'], reasons: Reason[]): ReadinessMessage {
  return { level, profile: 'ortopedi', session: null, reasons, ts: NOW }
}

function consultationIn (minutes: number, length = 30) {
  return [{ id: 'c-1', start: NOW + minutes * MIN, minutes: length, profile: 'ortopedi' }]
}

t.test('a healthy room has no conditions', async (t) => {
  const r = evaluateRoom(room((f) => f.applyReadiness('rodoy-1', readiness('green', []))), { now: NOW, config })
  t.same(r.conditions, [])
  t.equal(r.offline, false)
})

t.test('offline: a warning at any time, worse near a consultation; the other rules do not run', async (t) => {
  const state = room((f) => {
    f.applyReadiness('rodoy-1', readiness('red', [camDown]))
    f.applyStatus('rodoy-1', { online: false }, NOW - 10 * MIN)
  })
  const r = evaluateRoom(state, { now: NOW, config })
  t.equal(r.offline, true)
  t.same(r.conditions.map((c) => [c.cause, c.severity, c.holdMs]), [['offline', 'warning', 120_000]], 'only the offline rule; its own hold')
  t.equal(r.conditions[0]!.title.nb, 'Helserom Rødøy: gatewayboksen er frakoblet')
  t.match(r.conditions[0]!.detail.nb, /^Ingen kontakt med gatewayboksen siden kl\. 07:00\./, 'last contact (an hour ago), in Oslo time')
  state.schedule = consultationIn(5)
  t.equal(evaluateRoom(state, { now: NOW, config }).conditions[0]!.severity, 'critical')
  const never = new FleetState([{ room: 'rodoy-1', name: 'Helserom Rødøy' }]).get('rodoy-1')!
  t.match(evaluateRoom(never, { now: NOW, config }).conditions[0]!.detail.en, /has not reported since the hub started/)
})

t.test('deviceDown: a red reason naming a device, at any time, named as staff know it', async (t) => {
  const state = room((f) => f.applyReadiness('rodoy-1', readiness('red', [camDown, rtt])))
  const far = evaluateRoom(state, { now: NOW, config })
  t.same(far.conditions.map((c) => [c.cause, c.severity]), [['device.down:cam-1', 'warning']], 'without a consultation near: a warning, and no readiness condition')
  t.equal(far.conditions[0]!.title.en, 'Helserom Rødøy: Kamera is not working')
  t.equal(far.conditions[0]!.deviceName, 'Kamera')
  state.schedule = consultationIn(8)
  const near = evaluateRoom(state, { now: NOW, config })
  t.same(near.conditions.map((c) => [c.cause, c.severity]), [['device.down:cam-1', 'critical'], ['readiness', 'critical']],
    'near a consultation: the camera is critical, and the slow network (no rule of its own) is the readiness condition')
  t.equal(near.conditions[1]!.title.nb, 'Helserom Rødøy: ikke klar for konsultasjonen kl. 08:08')
  t.equal(near.conditions[1]!.detail.en, 'The network is too slow. Next consultation at 08:08 (ortopedi).', 'the camera is not repeated in the readiness condition')
  const disabled = evaluateRoom(room((f) => f.applyReadiness('rodoy-1', readiness('red', [camDown]))), { now: NOW, config: alertsConfig({ rules: { deviceDown: { enabled: false } } }) })
  t.same(disabled.conditions, [], 'a disabled rule finds nothing (and outside the lead window readiness does not run)')
})

t.test('readiness: only within leadMinutes, severity growing as the start nears, amber one step lower', async (t) => {
  const amber: Reason = { code: 'network.jitter', level: 'amber', message: { nb: 'Litt ustabilt', en: 'Somewhat unstable' } }
  const at = (minutes: number, reasons: Reason[], level: ReadinessMessage['level'] = 'red') =>
    evaluateRoom(room((f) => { f.applyReadiness('rodoy-1', readiness(level, reasons)); f.applySchedule('rodoy-1', consultationIn(minutes)) }), { now: NOW, config }).conditions
  t.same(at(90, [rtt]), [], 'beyond leadMinutes (60): nothing')
  t.same(at(50, [rtt]).map((c) => c.severity), ['info'])
  t.same(at(25, [rtt]).map((c) => c.severity), ['warning'])
  t.same(at(10, [rtt]).map((c) => c.severity), ['critical'])
  t.same(at(-5, [rtt]).map((c) => c.severity), ['critical'], 'while it runs')
  t.same(at(50, [amber], 'amber').map((c) => c.severity), ['info'])
  t.same(at(25, [amber], 'amber').map((c) => c.severity), ['info'])
  t.same(at(5, [amber], 'amber').map((c) => c.severity), ['warning'])
  t.match(at(5, [amber], 'amber')[0]!.title.en, 'Helserom Rødøy: a problem before the 08:05 consultation')
  t.same(at(5, [settling, { ...settling, code: 'uplink.down' }], 'amber'), [], 'ignored codes make no incident')
  t.same(at(-40, [rtt]), [], 'after the consultation is over: nothing')
  const many = Array.from({ length: 8 }, (_, i): Reason => ({ code: `network.x${i}`, level: 'red', message: { nb: `Feil ${i} ${'x'.repeat(1000)}`, en: `Fault ${i}` } }))
  const long = at(5, many)[0]!
  t.match(long.detail.nb, /^Feil 0 x+….*Feil 4 x+…\. \(og 3 til\) Neste konsultasjon/, 'five reasons, each clipped, and how many more')
  t.ok(long.detail.nb.length < 2000, 'an incident stays small')
})

t.test('battery: the estimate must last until the consultation ends, with a margin', async (t) => {
  const withBattery = (left: number, charging = false) => room((f) => {
    f.applyHealth('rodoy-1', 'hololens-1', { kind: 'hololens', name: 'HoloLens', state: 'ok', reason: null, metrics: { batteryMinutesLeft: left, charging }, ts: NOW })
    f.applyReadiness('rodoy-1', readiness('green', []))
    f.applySchedule('rodoy-1', consultationIn(20, 45))
  })
  // needs 20 + 45 + 10 = 75 minutes
  t.same(evaluateRoom(withBattery(80), { now: NOW, config }).conditions, [])
  const short = evaluateRoom(withBattery(60), { now: NOW, config }).conditions
  t.same(short.map((c) => [c.cause, c.severity, c.device]), [['device.battery-short:hololens-1', 'warning', 'hololens-1']])
  t.equal(short[0]!.title.nb, 'Helserom Rødøy: batteriet i HoloLens varer ikke konsultasjonen')
  t.match(short[0]!.detail.nb, /Batteriet varer ca\. 60 min, men må vare 75 min/)
  t.same(evaluateRoom(withBattery(10, true), { now: NOW, config }).conditions, [], 'charging: fine')
  // the gateway's own reason also counts, and only once per device
  const reason: Reason = { code: 'device.battery-short', level: 'amber', device: 'hololens-1', message: { nb: 'HoloLens-batteriet varer ca. 40 min', en: 'The HoloLens battery lasts about 40 min' } }
  const both = room((f) => {
    f.applyHealth('rodoy-1', 'hololens-1', { kind: 'hololens', name: 'HoloLens', state: 'ok', reason: null, metrics: { batteryMinutesLeft: 40 }, ts: NOW })
    f.applyReadiness('rodoy-1', readiness('amber', [reason]))
    f.applySchedule('rodoy-1', consultationIn(20, 45))
  })
  t.same(evaluateRoom(both, { now: NOW, config }).conditions.map((c) => c.cause), ['device.battery-short:hololens-1'], 'one condition, and no readiness condition for the same reason')
})

t.test('check: a failed pre-session check while it is recent', async (t) => {
  const report: CheckReport = {
    id: 'chk-1', trigger: 'scheduled', session: 'c-1', profile: 'ortopedi', passed: false, startedAt: NOW - 60_000, ts: NOW - 30_000,
    steps: [
      { name: 'camera.preset', device: 'cam-1', passed: false, ts: NOW, label: { nb: 'Kamera: gå til «pasient»', en: 'Kamera: go to "patient"' }, reason: { code: 'check.camera-preset', level: 'red', message: { nb: 'Kamera gikk ikke til posisjonen «pasient»', en: 'Kamera did not go to the "patient" position' } } },
      { name: 'network.quality', passed: true, ts: NOW },
      { name: 'network.throughput', passed: false, skipped: true, ts: NOW }
    ]
  }
  const state = room((f) => { f.applyCheck('rodoy-1', report); f.applyReadiness('rodoy-1', readiness('red', [report.steps[0]!.reason!])); f.applySchedule('rodoy-1', consultationIn(25)) })
  const c = evaluateRoom(state, { now: NOW, config }).conditions
  t.same(c.map((x) => [x.cause, x.severity, x.holdMs]), [['check.failed', 'warning', 0]], 'one condition: the check (its reason in readiness is not repeated), no hold')
  t.equal(c[0]!.detail.nb, 'Sjekken kl. 07:59 feilet: Kamera gikk ikke til posisjonen «pasient». Neste konsultasjon kl. 08:25 (ortopedi).')
  t.same(evaluateRoom(state, { now: NOW + 181 * MIN, config }).conditions.filter((x) => x.cause === 'check.failed'), [], 'a check older than maxAgeMinutes no longer counts')
  state.check = { ...report, passed: true }
  t.same(evaluateRoom(state, { now: NOW, config }).conditions.filter((x) => x.cause === 'check.failed'), [])
})

t.test('check: a step that could not be verified is an info for IT, not a warning that grows', async (t) => {
  const clockUnverified = { name: 'clock.sync', passed: false, unverified: true, ts: NOW, reason: { code: 'check.clock-unverified', level: 'amber' as const, message: { nb: 'Klokka i boksen kunne ikke sjekkes', en: 'The box clock could not be checked' } } }
  const report: CheckReport = { id: 'chk-2', trigger: 'scheduled', session: 'c-1', profile: 'ortopedi', passed: false, startedAt: NOW - 60_000, ts: NOW - 30_000, steps: [clockUnverified, { name: 'network.quality', passed: true, ts: NOW }] }
  const state = room((f) => {
    f.applyCheck('rodoy-1', report)
    f.applyReadiness('rodoy-1', { ...readiness('amber', [clockUnverified.reason]), profileLabel: { nb: 'Ortopedi', en: 'Orthopaedics' } })
    f.applySchedule('rodoy-1', consultationIn(5))
  })
  const c = evaluateRoom(state, { now: NOW, config }).conditions.filter((x) => x.cause === 'check.failed')
  t.same(c.map((x) => x.severity), ['info'], 'info even five minutes before the consultation')
  t.equal(c[0]!.title.nb, 'Helserom Rødøy: sjekken før timen kunne ikke bekrefte alt')
  t.equal(c[0]!.detail.en, 'The check at 07:59 could not verify: The box clock could not be checked. Next consultation at 08:05 (Orthopaedics).', 'the consultation named by its type as people call it')
  state.check = { ...report, steps: [...report.steps, { name: 'camera.preset', device: 'cam-1', passed: false, ts: NOW }] }
  t.same(evaluateRoom(state, { now: NOW, config }).conditions.filter((x) => x.cause === 'check.failed').map((x) => x.severity), ['critical'], 'a real failure beside it: as before')
})

t.test('spool: telemetry the gateway dropped at its bound is an incident for a day after the last drop', async (t) => {
  const state = room((f) => f.applyStatus('rodoy-1', { online: true, version: '0.1.0', boot: 'b-2', spool: { dropped: 1200, lastDroppedAt: NOW - 2 * 60 * MIN } }, NOW))
  const c = evaluateRoom(state, { now: NOW, config }).conditions.filter((x) => x.cause === 'spool.dropped')
  t.same(c.map((x) => [x.rule, x.severity]), [['spool', 'warning']])
  t.match(c[0]!.detail.nb, /de eldste målingene ble kastet \(1200 i alt, sist kl\. 06:00\)/, 'how many, and when')
  t.same(evaluateRoom(state, { now: NOW + 23 * 60 * MIN, config }).conditions.filter((x) => x.cause === 'spool.dropped').length, 0, 'gone a day after the last drop')
  const clean = room((f) => f.applyStatus('rodoy-1', { online: true, version: '0.1.0', boot: 'b-2', spool: { dropped: 0 } }, NOW))
  t.same(evaluateRoom(clean, { now: NOW, config }).conditions.filter((x) => x.cause === 'spool.dropped'), [], 'nothing dropped: nothing to say')
  const off = alertsConfig({ rules: { spool: { enabled: false } } })
  t.same(evaluateRoom(state, { now: NOW, config: off }).conditions.filter((x) => x.cause === 'spool.dropped'), [], 'the rule can be turned off')
})

t.test('bandwidth: the gateway\'s verdict, or the hub\'s own trend against the configured need', async (t) => {
  const falling: BandwidthSample[] = [0, 1, 2, 3, 4, 5].map((i) => ({ at: NOW - (50 - i * 10) * MIN, upMbps: 4 - i * 0.4, downMbps: 20 }))
  // up: 4.0 … 2.0 over 50 minutes, 2.4 Mbit/s per hour down: below 1.5 in about 12 minutes
  const state = room((f) => f.applyReadiness('rodoy-1', readiness('green', [])))
  const c = evaluateRoom(state, { now: NOW, config, bandwidth: falling }).conditions
  t.same(c.map((x) => [x.cause, x.severity]), [['network.bandwidth-up', 'info']], 'falling towards the need within the horizon: info')
  t.match(c[0]!.detail.nb, /^Båndbredden ut synker \(nå 2 Mbit\/s, 2,4 Mbit\/s mindre i timen\) og er under 1,5 Mbit\/s rundt kl\. 08:12/)
  const below = evaluateRoom(state, { now: NOW, config, bandwidth: [...falling, { at: NOW, upMbps: 1.2, downMbps: 20 }] }).conditions
  t.same(below.map((x) => [x.cause, x.severity]), [['network.bandwidth-up', 'warning']], 'already below: a warning')
  t.same(evaluateRoom(state, { now: NOW, config, bandwidth: falling.slice(0, 2) }).conditions, [], 'too few measurements for a trend')
  const gw: Reason = { code: 'network.bandwidth-down', level: 'red', message: { nb: 'For lite båndbredde inn (2 Mbit/s, trenger 3 Mbit/s)', en: 'Not enough download bandwidth (2 Mbit/s, needs 3 Mbit/s)' } }
  const gwState = room((f) => { f.applyReadiness('rodoy-1', readiness('red', [gw])); f.applySchedule('rodoy-1', consultationIn(15)) })
  const g = evaluateRoom(gwState, { now: NOW, config }).conditions
  t.same(g.map((x) => [x.cause, x.severity]), [['network.bandwidth-down', 'warning']], 'the gateway\'s reason, not also a readiness condition')
  t.match(g[0]!.detail.nb, /^For lite båndbredde inn \(2 Mbit\/s, trenger 3 Mbit\/s\)\. Neste konsultasjon kl\. 08:15/)
  const nearLimit: Reason = { ...gw, level: 'amber', code: 'network.trend-bandwidth-up' }
  t.same(evaluateRoom(room((f) => f.applyReadiness('rodoy-1', readiness('amber', [nearLimit]))), { now: NOW, config }).conditions, [], '"close to the limit" without a consultation in sight is not an incident')
})

t.test('bandwidth trend: the fit and its guards', async (t) => {
  const s = { windowMs: 120 * MIN, minSamples: 4, minSpanMs: 10 * MIN, minR2: 0.5 }
  t.same(linearFit([{ at: 0, value: 1 }, { at: 10, value: 3 }])?.slope, 0.2)
  t.equal(linearFit([{ at: 5, value: 1 }, { at: 5, value: 3 }]), null, 'no spread in time: no line')
  const noisy: BandwidthSample[] = [5, 1, 5, 1, 5, 1].map((v, i) => ({ at: NOW - (50 - i * 10) * MIN, upMbps: v + 2, downMbps: null }))
  t.equal(judgeBandwidth(noisy, 'up', 1.5, NOW, NOW + 60 * MIN, s), null, 'noise is not a trend')
  const rising = [0, 1, 2, 3].map((i) => ({ at: NOW - (30 - i * 10) * MIN, upMbps: 2 + i, downMbps: null }))
  t.equal(judgeBandwidth(rising, 'up', 1.5, NOW, NOW + 60 * MIN, s), null)
  t.equal(judgeBandwidth(rising, 'up', 0, NOW, NOW + 60 * MIN, s), null, 'a need of 0 turns it off')
})

t.test('the consultation: running first, then the next; the gateway\'s session when the hub has no schedule', async (t) => {
  const s = { readiness: null, schedule: [{ id: 'b', start: NOW + 60 * MIN, minutes: 30, profile: 'p' }, { id: 'a', start: NOW - 10 * MIN, minutes: 30, profile: 'p' }, { id: 'old', start: NOW - 90 * MIN, minutes: 30, profile: 'p' }] }
  t.equal(currentOrNext(s, NOW)?.id, 'a')
  t.equal(currentOrNext(s, NOW + 25 * MIN)?.id, 'b')
  t.equal(currentOrNext(s, NOW + 120 * MIN), null)
  t.equal(currentOrNext({ schedule: null, readiness: { ...readiness('green', []), session: { id: 'gw', start: NOW + MIN, minutes: 10, profile: 'p' } } }, NOW)?.id, 'gw')
  t.equal(proximity(null, NOW, config), null)
  t.equal(proximity({ id: 'x', start: NOW + 61 * MIN, minutes: 1, profile: 'p' }, NOW, config), null)
  t.equal(proximity({ id: 'x', start: NOW + 60 * MIN, minutes: 1, profile: 'p' }, NOW, config), 'info')
})
