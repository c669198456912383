// The pre-session check with real parts: the ONVIF camera driver against the ONVIF simulator (the
// camera really turns to the profile's preset, a JPEG snapshot comes back, it turns back), the
// network monitor measuring a real hub probe service (throughput step, network step), the clock
// compared with the hub's /probe/time, and the video-stream driver timing an RTSP source by playing
// it (the Jodapro simulator sending RTP over TCP).
import t from 'tap'
import type { CheckReport } from '../../protocol/messages.js'
import { onvifCameraDriver } from '../../drivers/onvif-camera/index.js'
import { startOnvifCameraSimulator } from '../../drivers/onvif-camera/simulator.js'
import { videoStreamDriver } from '../../drivers/video-stream/index.js'
import { startVideoStreamSimulator } from '../../drivers/video-stream/simulator.js'
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

t.test('the stream step plays an RTSP source and times it: its bitrate, too low, or unverified when it cannot be timed', async (t) => {
  const jodapro = await startVideoStreamSimulator({ stream: 'rtsp', kbps: 4000, batteryPct: null, auth: { username: 'helserom', password: 'fjell' } })
  t.teardown(jodapro.stop)
  const udpOnly = await startVideoStreamSimulator({ stream: 'rtsp', kbps: 4000, batteryPct: null, udpOnly: true })
  t.teardown(udpOnly.stop)
  const config = roomConfig(t, {
    room: 'rodoy-1',
    hub: { url: 'mqtt://127.0.0.1:1' },
    devices: [
      { id: 'jodapro-1', name: 'Jodapro', kind: 'video-stream', ...jodapro.deviceConfig, minKbps: 1500, pollIntervalMs: 500, measureWindowMs: 1500 },
      { id: 'video-1', name: 'Videokamera', kind: 'video-stream', ...udpOnly.deviceConfig, minKbps: 1500, pollIntervalMs: 500 }
    ],
    profiles: { ortopedi: { label: { nb: 'Ortopedi', en: 'Orthopaedics' }, requires: ['jodapro-1', 'video-1'] } },
    network: { enabled: false },
    check: { throughput: false }
  })
  const gateway = await startGateway(t, config, { 'video-stream': videoStreamDriver })
  await waitFor('both streams up', () => gateway.devices().every((d) => d.state === 'ok'), { timeoutMs: 20_000 })
  t.equal(gateway.devices().find((d) => d.id === 'jodapro-1')?.metrics.kbps, null, 'the routine poll does not time RTSP')
  t.equal(jodapro.rtspCounts.play, 0, 'nor play it')

  const stream = (r: CheckReport, device: string): CheckReport['steps'][number] => r.steps.find((s) => s.name === 'stream.bitrate' && s.device === device)!
  const first = (await gateway.runCommand('check.run', { id: 'r-1', ts: Date.now() })).result as CheckReport
  t.comment(`Jodapro at 4000 kbit/s: ${JSON.stringify(stream(first, 'jodapro-1').value)} kbit/s`)
  t.match(stream(first, 'jodapro-1'), { passed: true, unit: 'kbit/s' })
  t.ok(Math.abs(Number(stream(first, 'jodapro-1').value) - 4000) <= 400, 'the bitrate it sends, within 10 %')
  t.equal(jodapro.rtspCounts.play, 1, 'played once, by the check')
  const untimed = stream(first, 'video-1')
  t.match(untimed, { passed: false, unverified: true, value: null, reason: { code: 'check.stream-unverified', level: 'amber' } }, 'a camera that streams only over UDP is not passed on its health')
  t.equal(untimed.reason?.message.nb, 'Fikk ikke målt videokvaliteten fra Videokamera — kontakt IT om det varer')

  jodapro.setKbps(900)
  const low = (await gateway.runCommand('check.run', { id: 'r-2', ts: Date.now() })).result as CheckReport
  t.comment(`Jodapro at 900 kbit/s: ${JSON.stringify(stream(low, 'jodapro-1').value)} kbit/s`)
  t.match(stream(low, 'jodapro-1'), { passed: false, reason: { code: 'check.stream-bitrate', device: 'jodapro-1' } })
  t.match(stream(low, 'jodapro-1').reason?.message.nb, /^Jodapro sender for lav videokvalitet \(\d+ kbit\/s, trenger 1\u00a0500\)/)
})
