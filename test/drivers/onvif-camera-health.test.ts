// Each stage of the onvif-camera health probe against the simulator over real HTTP/SOAP:
// credentials rejected, not ONVIF, hanging, unreachable, garbage replies, and the camera clock
// (drift compensated for WS-Security and reported).
import t, { type Test } from 'tap'
import { onvifCameraDriver } from '../../drivers/onvif-camera/index.js'
import { startOnvifCameraSimulator, type OnvifCameraSimulator, type OnvifCameraSimulatorOptions } from '../../drivers/onvif-camera/simulator.js'
import type { DriverHealth } from '../../drivers/contract.js'
import { checkMessage } from '../../protocol/validate.js'
import { runDriver, type RecordingSink } from './driver-contract.js'
import { waitFor } from '../helpers/index.js'

interface Running { sim: OnvifCameraSimulator, sink: RecordingSink }

async function start (t: Test, simOptions: OnvifCameraSimulatorOptions = {}, config: Record<string, unknown> = {}): Promise<Running> {
  const sim = await startOnvifCameraSimulator(simOptions)
  t.teardown(() => sim.stop())
  const { sink } = await runDriver(t, onvifCameraDriver, { id: 'cam-1', name: 'Kamera', kind: 'onvif-camera', ...sim.deviceConfig, pollIntervalMs: 200, timeoutMs: 800, ...config })
  return { sim, sink }
}

const latest = (sink: RecordingSink, test: (h: DriverHealth) => boolean) => (): DriverHealth | undefined => {
  const h = sink.lastHealth
  return h !== undefined && test(h) ? h : undefined
}

function fitsWire (t: Test, h: DriverHealth): void {
  const checked = checkMessage('health', { kind: 'onvif-camera', state: h.state, reason: h.reason ?? null, metrics: h.metrics ?? {}, ...(h.info !== undefined ? { info: h.info } : {}), ts: Date.now() })
  t.ok(checked.ok, checked.ok ? 'the report fits the wire contract' : checked.reason)
}

t.test('up: authenticated calls work, device information and metrics are reported', async (t) => {
  const { sink } = await start(t)
  const ok = await waitFor('health ok', latest(sink, (h) => h.state === 'ok'))
  t.same(ok.info, { vendor: 'Helserom Sim', model: 'PTZ-200', serial: '20231115', firmware: '2.10', hardware: '1.0' },
    'firmware "2.10" and serial "20231115" come through as written, not as numbers')
  t.match(ok.metrics, { reachability: 'up', stage: 'authenticated', ptz: true, profile: 'main', presetsMissing: '', snapshotOk: true, pan: 0, tilt: 0, zoom: 0, moving: false })
  t.ok(typeof ok.metrics?.snapshotBytes === 'number' && ok.metrics.snapshotBytes > 100, 'the snapshot is a real picture')
  t.match(ok.metrics?.streamUri, /^rtsp:\/\/127\.0\.0\.1:554\/live\/main$/)
  t.equal(ok.reason, null)
  fitsWire(t, ok)
})

t.test('up without auth: the camera rejects our credentials', async (t) => {
  const { sim, sink } = await start(t)
  await waitFor('health ok', latest(sink, (h) => h.state === 'ok'))
  await sim.setFault('reject-credentials')
  const rejected = await waitFor('credentials rejected', latest(sink, (h) => h.reason?.code === 'camera.credentials-rejected'))
  t.equal(rejected.state, 'down')
  t.match(rejected.metrics, { reachability: 'up-without-auth', stage: 'authenticated' })
  t.match(rejected.reason?.message.nb, /godtar ikke brukernavnet eller passordet/)
  t.equal(rejected.reason?.level, 'red')
  fitsWire(t, rejected)
  await sim.setFault(null)
  await waitFor('health ok again', latest(sink, (h) => h.state === 'ok'))
})

t.test('a wrong password in config is reported as rejected credentials from the start', async (t) => {
  const { sink } = await start(t, {}, { password: 'not-the-password' })
  const first = await waitFor('first report', () => sink.healths[0])
  t.equal(first.reason?.code, 'camera.credentials-rejected')
  t.match(first.metrics?.clockDriftMs, Number, 'the clock is read without credentials all the same')
})

t.test('reachable but not ONVIF: a web server answers with an HTML 404', async (t) => {
  const { sim, sink } = await start(t)
  await waitFor('health ok', latest(sink, (h) => h.state === 'ok'))
  await sim.setFault('not-onvif')
  const h = await waitFor('not onvif', latest(sink, (h) => h.reason?.code === 'camera.not-onvif'))
  t.equal(h.state, 'down')
  t.match(h.metrics, { reachability: 'reachable', stage: 'unauthenticated' })
  t.match(h.reason?.message.nb, /adresse og port/)
  t.ok(h.info !== undefined, 'what was known about the device is still reported')
  await sim.setFault(null)
  await waitFor('health ok again', latest(sink, (h) => h.state === 'ok'))
})

t.test('a hanging camera (accepts, never answers) is down after our own timeout', async (t) => {
  const { sim, sink } = await start(t, {}, { timeoutMs: 400 })
  await waitFor('health ok', latest(sink, (h) => h.state === 'ok'))
  await sim.setFault('hang')
  const h = await waitFor('not responding', latest(sink, (h) => h.reason?.code === 'camera.not-responding'))
  t.equal(h.state, 'down')
  t.match(h.metrics, { reachability: 'reachable', stage: 'tcp' })
  t.match(h.reason?.message.nb, /slå kameraet av og på/)
  await sim.setFault(null)
  await waitFor('health ok again', latest(sink, (h) => h.state === 'ok'))
})

t.test('a slow camera within the timeout stays ok', async (t) => {
  const { sim, sink } = await start(t, {}, { timeoutMs: 2000 })
  await waitFor('health ok', latest(sink, (h) => h.state === 'ok'))
  await sim.setFault('slow', { delayMs: 150 })
  const before = sink.healths.length
  await waitFor('two more reports', () => sink.healths.length >= before + 2)
  t.same(sink.healths.slice(before).map((h) => h.state), sink.healths.slice(before).map(() => 'ok'))
  t.ok((sink.lastHealth?.metrics?.responseMs as number) >= 150, 'the response time is measured')
})

t.test('unreachable: the port is closed', async (t) => {
  const { sim, sink } = await start(t)
  await waitFor('health ok', latest(sink, (h) => h.state === 'ok'))
  await sim.setFault('offline')
  const h = await waitFor('unreachable', latest(sink, (h) => h.reason?.code === 'camera.unreachable'))
  t.equal(h.state, 'down')
  t.match(h.metrics, { reachability: 'unreachable', stage: 'tcp' })
  t.equal(h.reason?.message.nb, 'Kameraet svarer ikke — sjekk strøm og nettverkskabel')
  t.equal(h.reason?.message.en, 'The camera does not answer — check its power and network cable')
  fitsWire(t, h)
})

t.test('a camera with another name is named in the sentence', async (t) => {
  const { sim, sink } = await start(t, {}, { name: 'Romkamera' })
  await waitFor('health ok', latest(sink, (h) => h.state === 'ok'))
  await sim.setFault('offline')
  const h = await waitFor('unreachable', latest(sink, (h) => h.reason?.code === 'camera.unreachable'))
  t.equal(h.reason?.message.nb, 'Kameraet «Romkamera» svarer ikke — sjekk strøm og nettverkskabel')
})

t.test('garbage replies (broken XML) are reported, the process keeps running', async (t) => {
  const { sim, sink } = await start(t)
  await waitFor('health ok', latest(sink, (h) => h.state === 'ok'))
  await sim.setFault('garbage')
  const h = await waitFor('bad reply', latest(sink, (h) => h.reason?.code === 'camera.bad-reply'))
  t.equal(h.state, 'down')
  t.match(h.reason?.message.nb, /ugyldige data/)
  const reports = sink.healths.length
  await waitFor('the driver keeps probing', () => sink.healths.length >= reports + 2)
  await sim.setFault(null)
  await waitFor('health ok again', latest(sink, (h) => h.state === 'ok'))
  t.same(sink.failures, [])
})

t.test('clock drift: compensated for WS-Security, reported, and judged against maxClockDriftMs', async (t) => {
  const tenMinutes = 10 * 60_000
  // The camera checks WS-Security timestamps within ±30 s of its own clock: without the time
  // shift, a camera ten minutes ahead would reject every authenticated call.
  const { sim, sink } = await start(t, { clockOffsetMs: tenMinutes, authToleranceMs: 30_000 })
  const ok = await waitFor('health ok', latest(sink, (h) => h.state === 'ok'))
  const drift = ok.metrics?.clockDriftMs as number
  t.ok(Math.abs(drift - tenMinutes) < 2000, `drift ${drift} ms is about ten minutes`)

  sim.setClockOffset(-3 * 3600_000) // someone sets the camera clock wrong while we run
  const later = await waitFor('the new drift', latest(sink, (h) => h.state === 'ok' && (h.metrics?.clockDriftMs as number) < -3 * 3600_000 + 2000))
  t.ok(Math.abs((later.metrics?.clockDriftMs as number) + 3 * 3600_000) < 2000, 'the shift follows the camera clock')
})

t.test('clock drift beyond maxClockDriftMs degrades health with a reason', async (t) => {
  const { sink } = await start(t, { clockOffsetMs: 95_000 }, { maxClockDriftMs: 5000 })
  const h = await waitFor('clock drift', latest(sink, (h) => h.reason?.code === 'camera.clock-drift'))
  t.equal(h.state, 'degraded')
  t.equal(h.reason?.level, 'amber')
  t.match(h.reason?.message.nb, /Klokken i kameraet går 1 min 3[45] s for fort/)
  t.match(h.reason?.message.en, /ahead/)
})

t.test('quirky cameras: GetServices without capabilities, presets without positions, a UTF-8 password', async (t) => {
  const { sink } = await start(t, { servicesWithoutCapabilities: true, presetsWithoutPositions: true, password: 'blåbær-æøå' })
  const ok = await waitFor('health ok', latest(sink, (h) => h.state === 'ok'))
  t.match(ok.metrics, { ptz: true, presetsMissing: '' })
})

t.test('a throw inside the onvif library (it cannot read an empty profile list) becomes a reason, not a hang or a crash', async (t) => {
  const { sink } = await start(t, { noProfiles: true })
  const h = await waitFor('a report', () => sink.healths[0])
  t.equal(h.state, 'down')
  t.equal(h.reason?.code, 'camera.no-profile')
  t.match(h.reason?.message.nb, /ingen videoprofil/)
  t.same(sink.failures, [])
})
