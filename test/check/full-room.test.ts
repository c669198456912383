// The pre-session check with real parts: the ONVIF camera driver against the ONVIF simulator (the
// camera really turns to the profile's preset, a JPEG snapshot comes back, it turns back), the
// network monitor measuring a real hub probe service (throughput step, network step), and the
// clock compared with the hub's /probe/time.
import t from 'tap'
import type { CheckReport } from '../../protocol/messages.js'
import { onvifCameraDriver } from '../../drivers/onvif-camera/index.js'
import { startOnvifCameraSimulator } from '../../drivers/onvif-camera/simulator.js'
import { roomConfig, startGateway } from '../gateway/room-fixture.js'
import { waitFor } from '../helpers/index.js'
import { startHubProbe } from '../network/processes.js'

t.test('camera, network and clock steps against real components', async (t) => {
  const sim = await startOnvifCameraSimulator({ host: '127.0.0.1' })
  t.teardown(() => sim.stop())
  const hub = await startHubProbe(t)
  const config = roomConfig(t, {
    room: 'bronnoy-1',
    hub: { url: 'mqtt://127.0.0.1:1', http: `http://${hub.host}:${hub.port}` },
    devices: [{ id: 'cam-1', name: 'Kamera', kind: 'onvif-camera', ...sim.deviceConfig, pollIntervalMs: 300, timeoutMs: 2000 }],
    profiles: { kurs: { label: { nb: 'Lærings- og mestringskurs', en: 'Learning and coping course' }, requires: ['cam-1'], preset: 'patient', network: { minUpMbps: 3, minDownMbps: 3, maxRttMs: 100, maxJitterMs: 30, maxLossPct: 1 } } },
    network: { intervalMs: 1000, throughput: { maxDurationMs: 500 } },
    check: { cameraSettleMs: 500, restorePreset: 'overview' }
  })
  const gateway = await startGateway(t, config, { 'onvif-camera': onvifCameraDriver })
  await waitFor('the camera up', () => gateway.devices()[0]?.state === 'ok', { timeoutMs: 20_000 })
  await waitFor('the network measured', () => gateway.network?.rttMs !== null && gateway.network?.upMbps !== null && gateway.network !== null, { timeoutMs: 20_000 })

  const seen: Array<string | null> = []
  const watch = setInterval(() => { if (seen[seen.length - 1] !== sim.state.currentPreset) seen.push(sim.state.currentPreset) }, 5)
  const result = await gateway.runCommand('check.run', { id: 'r-1', ts: Date.now() })
  clearInterval(watch)
  t.ok(result.ok, JSON.stringify(result.error))
  const report = result.result as CheckReport
  t.comment(report.steps.map((s) => `${s.passed ? '✓' : '✗'} ${s.name}${s.skipped === true ? ' (skipped)' : ''} ${JSON.stringify(s.value)}${s.unit !== undefined ? ' ' + s.unit : ''}`).join('\n'))
  t.equal(report.passed, true, JSON.stringify(report.steps.filter((s) => !s.passed)))
  t.same(seen.filter((p) => p !== null), ['1', '2'], 'the camera went to Pasient (token 1), then back to Oversikt (token 2)')
  const snapshot = report.steps.find((s) => s.name === 'camera.snapshot')!
  t.ok(typeof snapshot.value === 'number' && snapshot.value > 100, `a real JPEG came back (${String(snapshot.value)} bytes)`)
  const throughput = report.steps.find((s) => s.name === 'network.throughput')!
  t.equal(throughput.skipped, undefined, 'the throughput test ran')
  t.match(throughput.value, /^\d+\.\d \/ \d+\.\d$/)
  const clock = report.steps.find((s) => s.name === 'clock')!
  t.ok(typeof clock.value === 'number' && Math.abs(clock.value) < 1000, `the clock agrees with the hub's (${String(clock.value)} ms)`)

  // The camera unplugged: the check says so, by name, with what to do.
  await sim.setFault('offline')
  await waitFor('the camera down', () => gateway.devices()[0]?.state === 'down', { timeoutMs: 20_000 })
  const failed = (await gateway.runCommand('check.run', { id: 'r-2', ts: Date.now() })).result as CheckReport
  t.equal(failed.passed, false)
  const camera = failed.steps.find((s) => s.device === 'cam-1' && !s.passed)!
  t.match(camera.reason?.message.nb, /^Kamera(et)? svarer ikke.*— sjekk/)
  t.equal(camera.reason?.level, 'red')
})
