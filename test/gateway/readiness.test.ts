// The readiness engine, table-driven: what the light shows for each state of the room.
import t from 'tap'
import { evaluateReadiness, type DeviceView, type ReadinessInput } from '../../gateway/readiness/evaluate.js'
import { ReadinessHysteresis } from '../../gateway/readiness/hysteresis.js'
import { currentOrNextSession } from '../../gateway/readiness/session.js'
import type { Profile } from '../../gateway/config.js'
import type { NetworkMessage } from '../../protocol/messages.js'

const now = Date.parse('2026-11-24T08:00:00Z') // 09:00 in Oslo
const network = { minUpMbps: 3, minDownMbps: 3, maxRttMs: 100, maxJitterMs: 30, maxLossPct: 1, videoStreams: 1 }
const profiles: Record<string, Profile> = {
  ortopedi: { label: { nb: 'Ortopedi', en: 'Orthopaedics' }, requires: ['cam-1', 'jodapro-1'], network },
  kurs: { label: { nb: 'Lærings- og mestringskurs', en: 'Learning and coping course' }, requires: ['cam-1', 'hololens-1'], network }
}
const goodNet: NetworkMessage = { rttMs: 20, jitterMs: 3, lossPct: 0, upMbps: 20, downMbps: 40, ifaceUtilPct: 3, ts: now - 5000 }

function device (id: string, name: string, state: DeviceView['state'], extra: Partial<DeviceView> = {}): DeviceView {
  return { id, name, kind: 'x', enabled: true, state, reason: null, metrics: {}, ...extra }
}

function input (over: Partial<ReadinessInput> = {}): ReadinessInput {
  const devices = new Map<string, DeviceView>([
    ['cam-1', device('cam-1', 'Kamera', 'ok')],
    ['jodapro-1', device('jodapro-1', 'Jodapro', 'ok')],
    ['hololens-1', device('hololens-1', 'HoloLens', 'ok', { metrics: { batteryPct: 90, batteryMinutesLeft: 150, charging: false } })],
    ['spo2-1', device('spo2-1', 'Pulsoksymeter', 'down')]
  ])
  return {
    now, timezone: 'Europe/Oslo', profiles, defaultProfile: 'ortopedi', schedule: [], lookaheadMs: 24 * 3_600_000,
    devices, network: goodNet, networkMaxAgeMs: 180_000, uplinkConnected: true, supportPhone: '75 00 00 00', ...over
  }
}

function withDevice (id: string, patch: Partial<DeviceView>): Partial<ReadinessInput> {
  const base = input().devices as Map<string, DeviceView>
  const next = new Map(base)
  next.set(id, { ...base.get(id)!, ...patch })
  return { devices: next }
}

const cameraDown = { code: 'camera.unreachable', message: { nb: 'Kameraet svarer ikke — sjekk strøm og nettverkskabel', en: 'The camera does not answer — check power and network cable' } }

const cases: Array<{ name: string, over: Partial<ReadinessInput>, level: string, codes: string[], summary?: RegExp }> = [
  { name: 'all required ok → green', over: {}, level: 'green', codes: [], summary: /^Rommet er klart$/ },
  { name: 'a device the profile does not need is down → still green', over: withDevice('spo2-1', { state: 'down' }), level: 'green', codes: [] },
  { name: 'required device down → red with the driver\'s sentence and the phone number', over: withDevice('cam-1', { state: 'down', reason: cameraDown }), level: 'red', codes: ['camera.unreachable'], summary: /^Kameraet svarer ikke — sjekk strøm og nettverkskabel, ring IT-support på 75 00 00 00$/ },
  { name: 'required device down without a reason → red naming the device', over: withDevice('jodapro-1', { state: 'down' }), level: 'red', codes: ['device.down'], summary: /^Jodapro svarer ikke/ },
  { name: 'required device degraded → amber', over: withDevice('jodapro-1', { state: 'degraded' }), level: 'amber', codes: ['device.degraded'], summary: /^Fungerer, men Jodapro fungerer ikke helt/ },
  { name: 'required device not heard from yet → amber', over: withDevice('cam-1', { state: 'unknown' }), level: 'amber', codes: ['device.unknown'] },
  { name: 'required device disabled → red', over: withDevice('cam-1', { enabled: false }), level: 'red', codes: ['device.disabled'] },
  { name: 'uplink lost → amber, the room still usable', over: { uplinkConnected: false }, level: 'amber', codes: ['uplink.down'], summary: /^Fungerer, men ingen forbindelse til sykehusets server/ },
  { name: 'network never measured → amber', over: { network: null }, level: 'amber', codes: ['network.unmeasured'] },
  { name: 'network measurement too old → amber', over: { network: { ...goodNet, ts: now - 600_000 } }, level: 'amber', codes: ['network.stale'] },
  { name: 'rtt over the limit → red', over: { network: { ...goodNet, rttMs: 180 } }, level: 'red', codes: ['network.rtt'] },
  { name: 'rtt close to the limit → amber', over: { network: { ...goodNet, rttMs: 90 } }, level: 'amber', codes: ['network.rtt'] },
  { name: 'upload below need → red naming bandwidth', over: { network: { ...goodNet, upMbps: 1.2 } }, level: 'red', codes: ['network.bandwidth-up'], summary: /båndbredde ut/ },
  { name: 'download barely enough → amber', over: { network: { ...goodNet, downMbps: 3.3 } }, level: 'amber', codes: ['network.bandwidth-down'] },
  { name: 'loss over the limit → red', over: { network: { ...goodNet, lossPct: 4 } }, level: 'red', codes: ['network.loss'] },
  { name: 'throughput not measured yet is no reason by itself', over: { network: { ...goodNet, upMbps: null, downMbps: null } }, level: 'green', codes: [] },
  { name: 'red reasons come before amber ones', over: { ...withDevice('cam-1', { state: 'down' }), uplinkConnected: false }, level: 'red', codes: ['device.down', 'uplink.down'] }
]

for (const c of cases) {
  t.test(c.name, async (t) => {
    const r = evaluateReadiness(input(c.over))
    t.equal(r.level, c.level)
    t.same(r.reasons.map((x) => x.code), c.codes)
    if (c.summary !== undefined) t.match(r.summary.nb, c.summary)
    t.ok(r.summary.en.length > 0, 'English summary too')
    for (const reason of r.reasons) t.ok(reason.message.nb.length > 0 && reason.message.en.length > 0, `${reason.code} in both languages`)
  })
}

t.test('a scheduled consultation decides the profile and the green sentence names its time', async (t) => {
  const schedule = [{ id: 'c-1', start: Date.parse('2026-11-24T09:30:00+01:00'), minutes: 45, profile: 'kurs' }]
  const r = evaluateReadiness(input({ schedule }))
  t.equal(r.profile, 'kurs')
  t.equal(r.session?.id, 'c-1')
  t.equal(r.summary.nb, 'Rommet er klart for konsultasjonen kl. 09:30')
  t.equal(r.summary.en, 'The room is ready for the 09:30 consultation')
})

t.test('without a consultation, readiness reflects the default profile', async (t) => {
  const r = evaluateReadiness(input({ defaultProfile: 'kurs' }))
  t.equal(r.profile, 'kurs')
  t.same(r.profileLabel, profiles.kurs!.label)
  t.equal(r.session, null)
})

t.test('a consultation with an unknown profile falls back to the default and says so', async (t) => {
  const schedule = [{ id: 'c-2', start: now + 600_000, minutes: 30, profile: 'hjerte' }]
  const r = evaluateReadiness(input({ schedule }))
  t.equal(r.profile, 'ortopedi')
  t.equal(r.level, 'amber')
  t.match(r.reasons[0]?.message.nb, /Ukjent konsultasjonstype «hjerte»/)
})

t.test('a HoloLens battery that will not last the consultation turns the room amber', async (t) => {
  const schedule = [{ id: 'c-3', start: now + 600_000, minutes: 60, profile: 'kurs' }]
  const low = evaluateReadiness(input({ schedule, ...withDevice('hololens-1', { metrics: { batteryPct: 22, batteryMinutesLeft: 40, charging: false } }) }))
  t.equal(low.level, 'amber')
  t.same(low.reasons.map((r) => r.code), ['device.battery-short'])
  t.match(low.summary.nb, /^Fungerer, men HoloLens-batteriet varer ca\. 40 min, konsultasjonen tar 60 min — sett den til lading$/)
  const charging = evaluateReadiness(input({ schedule, ...withDevice('hololens-1', { metrics: { batteryPct: 22, batteryMinutesLeft: 40, charging: true } }) }))
  t.equal(charging.level, 'green', 'charging counts as enough')
})

t.test('session choice: running wins, then the next within the lookahead, past ones never', async (t) => {
  const h = 3_600_000
  const past = { id: 'past', start: now - 2 * h, minutes: 30, profile: 'x' }
  const running = { id: 'running', start: now - 10 * 60_000, minutes: 30, profile: 'x' }
  const soon = { id: 'soon', start: now + h, minutes: 30, profile: 'x' }
  const far = { id: 'far', start: now + 30 * h, minutes: 30, profile: 'x' }
  t.equal(currentOrNextSession([past, soon, running, far], now, 24 * h)?.id, 'running')
  t.equal(currentOrNextSession([past, far, soon], now, 24 * h)?.id, 'soon')
  t.equal(currentOrNextSession([past, far], now, 24 * h), null)
})

t.test('hysteresis: worse shows at once, better only after it has held', async (t) => {
  const h = new ReadinessHysteresis(10_000)
  const green = evaluateReadiness(input())
  const red = evaluateReadiness(input(withDevice('cam-1', { state: 'down' })))
  t.equal(h.apply(green, 0).level, 'green')
  t.equal(h.apply(red, 1000).level, 'red', 'a failure shows immediately')
  const settling = h.apply(green, 2000)
  t.equal(settling.level, 'red', 'recovery is not shown at once')
  t.equal(settling.reasons[0]?.code, 'readiness.settling')
  t.match(settling.summary.nb, /Feilen er rettet/)
  t.equal(h.apply(red, 3000).level, 'red', 'a relapse during the hold keeps it red')
  t.equal(h.apply(green, 4000).level, 'red', 'the hold starts again')
  t.equal(h.apply(green, 13_999).level, 'red')
  const back = h.apply(green, 14_000)
  t.equal(back.level, 'green', 'green after holding for the whole window')
  t.equal(back.since, 14_000)
})

t.test('a flapping device does not flap the light', async (t) => {
  const h = new ReadinessHysteresis(10_000)
  const green = evaluateReadiness(input())
  const red = evaluateReadiness(input(withDevice('cam-1', { state: 'down' })))
  const shown: string[] = []
  for (let i = 0; i < 40; i++) shown.push(h.apply(i % 2 === 0 ? red : green, i * 1000).level)
  t.same([...new Set(shown)], ['red'], 'stays red while the camera comes and goes every second')
})

t.test('hysteresis: after start-up, the room turns green at once — nothing was fixed', async (t) => {
  const h = new ReadinessHysteresis(10_000)
  // what a gateway knows in its first second: no device has answered, the network is unmeasured, the hub not yet reached
  const booting = evaluateReadiness(input({ ...withDevice('cam-1', { state: 'unknown' }), network: null, uplinkConnected: false }))
  t.equal(booting.level, 'amber')
  t.same(booting.reasons.map((r) => r.code).sort(), ['device.unknown', 'network.unmeasured', 'uplink.down'])
  t.equal(h.apply(booting, 0).level, 'amber')
  const ready = h.apply(evaluateReadiness(input()), 800)
  t.equal(ready.level, 'green', 'green as soon as everything has answered')
  t.notOk(ready.reasons.some((r) => r.code === 'readiness.settling'), 'no "the fault is fixed" after a boot')
  t.match(ready.summary.nb, /^Rommet er klart/)
  t.equal(ready.since, 800)
})

t.test('hysteresis: a real fault during start-up still settles before green', async (t) => {
  const h = new ReadinessHysteresis(10_000)
  h.apply(evaluateReadiness(input({ ...withDevice('cam-1', { state: 'down', reason: cameraDown }), network: null, uplinkConnected: false })), 0)
  const settling = h.apply(evaluateReadiness(input()), 1000)
  t.equal(settling.level, 'red', 'a camera that was down is held red for the window')
  t.equal(settling.reasons[0]?.code, 'readiness.settling')
})

t.test('hysteresis: the hub lost after it had been reached is a fault that settles', async (t) => {
  const h = new ReadinessHysteresis(10_000)
  const green = evaluateReadiness(input())
  t.equal(h.apply(green, 0).level, 'green')
  t.equal(h.apply(evaluateReadiness(input({ uplinkConnected: false })), 1000).level, 'amber')
  const back = h.apply(green, 2000)
  t.equal(back.level, 'amber', 'held while the connection proves stable')
  t.match(back.summary.nb, /Feilen er rettet/)
  t.equal(h.apply(green, 12_000).level, 'green')
})
