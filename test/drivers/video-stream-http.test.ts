// The video-stream driver against the simulator's HTTP side over real loopback sockets: MJPEG and a
// plain byte stream at a controlled bitrate, HLS (multivariant → media playlist → newest segment),
// the battery from a JSON status endpoint, HTTP auth, wrong paths, a hang, and tcp:// reachability.
import t from 'tap'
import type { Test } from 'tap'
import { videoStreamDriver } from '../../drivers/video-stream/index.js'
import { startVideoStreamSimulator, type VideoStreamSimulatorOptions } from '../../drivers/video-stream/simulator.js'
import type { DriverHealth } from '../../drivers/contract.js'
import { waitFor } from '../helpers/index.js'
import { runDriver, type RecordingSink } from './driver-contract.js'

const fast = { pollIntervalMs: 200, measureWindowMs: 600, timeoutMs: 800 }

async function source (t: Test, options: VideoStreamSimulatorOptions, entry: Record<string, unknown> = {}): Promise<{ sim: Awaited<ReturnType<typeof startVideoStreamSimulator>>, sink: RecordingSink }> {
  const sim = await startVideoStreamSimulator({ batteryPct: null, ...options, driver: { ...fast, ...options.driver } })
  t.teardown(sim.stop)
  const { sink } = await runDriver(t, videoStreamDriver, { id: 'jodapro-1', name: 'Jodapro', kind: 'video-stream', ...sim.deviceConfig, ...entry })
  return { sim, sink }
}

async function healthWith (sink: RecordingSink, what: string, test: (h: DriverHealth) => boolean, timeoutMs = 10_000): Promise<DriverHealth> {
  return await waitFor(what, () => { const h = sink.lastHealth; return h !== undefined && test(h) ? h : undefined }, { timeoutMs })
}

const isOk = (h: DriverHealth): boolean => h.state === 'ok'
const coded = (code: string) => (h: DriverHealth): boolean => h.reason?.code === code

t.test('MJPEG: bitrate below minKbps is degraded, restored is ok', async (t) => {
  const { sim, sink } = await source(t, { stream: 'mjpeg', kbps: 4000 })
  const ok = await healthWith(sink, 'ok', isOk)
  t.match(ok.metrics, { format: 'mjpeg', hasVideo: true, contentType: /^multipart\/x-mixed-replace/ })
  t.ok(Number(ok.metrics?.fps) > 0, 'frames counted')
  t.type(ok.metrics?.ttfbMs, 'number')

  sim.setKbps(400)
  const low = await healthWith(sink, 'low bitrate', coded('video-stream.low-bitrate'))
  t.equal(low.state, 'degraded')
  t.match(low.reason?.message.nb, /^Jodapro sender video med for lav kvalitet \(\d+ kbit\/s, trenger 1500\)/)
  t.ok(Number(low.metrics?.kbps) < 1500)

  sim.setKbps(4000)
  await healthWith(sink, 'ok again', isOk)
  t.pass('back to ok')
})

t.test('MJPEG parts that are not JPEG images are no video', async (t) => {
  const { sink } = await source(t, { stream: 'mjpeg', noVideo: true })
  const h = await healthWith(sink, 'no video', coded('video-stream.no-video'))
  t.equal(h.metrics?.hasVideo, false)
})

t.test('byte stream: recognised as MPEG-TS; a hang is down after the timeout, then ok', async (t) => {
  const { sim, sink } = await source(t, { stream: 'bytes', kbps: 3000 })
  const ok = await healthWith(sink, 'ok', isOk)
  t.match(ok.metrics, { format: 'mpegts', contentType: 'video/mp2t', ended: false })
  await sim.hang()
  const h = await healthWith(sink, 'timeout', coded('video-stream.timeout'))
  t.equal(h.state, 'down')
  t.match(h.reason?.message.nb, /^Jodapro svarer ikke/)
  await sim.restore()
  await healthWith(sink, 'ok again', isOk)
  t.pass('back to ok')
})

t.test('byte stream carrying audio only is no video', async (t) => {
  const { sink } = await source(t, { stream: 'bytes', noVideo: true })
  const h = await healthWith(sink, 'no video', coded('video-stream.no-video'))
  t.equal(h.metrics?.contentType, 'audio/aac')
})

t.test('HLS: playlist → variant → newest segment; bitrate from segment size', async (t) => {
  const { sim, sink } = await source(t, { stream: 'hls', kbps: 4000 })
  const ok = await healthWith(sink, 'ok', isOk)
  t.match(ok.metrics, { format: 'hls', codec: 'H264', hasVideo: true, resolution: '1920x1080', variantKbps: 4000, targetDurationS: 2, segmentS: 2, live: true })
  // Sizes, not timing: 2 s of 4000 kbit/s in whole 188-byte packets.
  t.ok(Number(ok.metrics?.kbps) >= 4000 && Number(ok.metrics?.kbps) < 4010, `kbps ${String(ok.metrics?.kbps)}`)

  sim.setKbps(800)
  const low = await healthWith(sink, 'low bitrate', coded('video-stream.low-bitrate'))
  t.ok(Number(low.metrics?.kbps) < 1500)
  sim.setKbps(4000)
  await healthWith(sink, 'ok again', isOk)

  sim.setNoVideo(true)
  await healthWith(sink, 'no video', coded('video-stream.no-video'))
  sim.setNoVideo(false)
  await healthWith(sink, 'ok again', isOk)
  t.pass('no-video and back')
})

t.test('HLS: a live playlist that stops moving is degraded as stalled', async (t) => {
  const { sim, sink } = await source(t, { stream: 'hls' })
  await healthWith(sink, 'ok', isOk)
  sim.freezeHls(true)
  // Three target durations (3 × 2 s) of the same newest segment.
  const h = await healthWith(sink, 'stalled', coded('video-stream.stalled'), 15_000)
  t.equal(h.reason?.message.nb, 'Jodapro har sluttet å sende nye bilder — slå kameraet av og på')
  sim.freezeHls(false)
  await healthWith(sink, 'ok again', isOk)
  t.pass('moving again')
})

t.test('battery from the status endpoint: low is degraded with the level', async (t) => {
  const { sim, sink } = await source(t, { stream: 'mjpeg', batteryPct: 64 })
  const ok = await healthWith(sink, 'ok', isOk)
  t.equal(ok.metrics?.batteryPct, 64)
  sim.setBattery(12)
  const low = await healthWith(sink, 'battery low', coded('video-stream.battery-low'))
  t.equal(low.reason?.message.nb, 'Batteriet i Jodapro er på 12 % — sett Jodapro til lading')
  sim.setBattery(null)
  const unknown = await healthWith(sink, 'battery unknown', (h) => h.metrics?.batteryPct === null)
  t.equal(unknown.state, 'ok', 'an unreadable battery level does not make the stream unhealthy')
  t.match(unknown.metrics?.statusError, /no number at power\.batteryPct/)
})

t.test('HTTP Basic auth: with credentials ok, without them down', async (t) => {
  const { sink } = await source(t, { stream: 'mjpeg', auth: { username: 'helserom', password: 'hemmelig' } })
  await healthWith(sink, 'ok', isOk)
  const { sink: anonymous } = await source(t, { stream: 'mjpeg', auth: { username: 'helserom', password: 'hemmelig' } }, { username: undefined, password: undefined })
  const h = await healthWith(anonymous, 'auth', coded('video-stream.auth'))
  t.equal(h.state, 'down')
})

t.test('a wrong stream path is down as not found', async (t) => {
  const sim = await startVideoStreamSimulator({ batteryPct: null })
  t.teardown(sim.stop)
  const { sink } = await runDriver(t, videoStreamDriver, { id: 'jodapro-1', name: 'Jodapro', kind: 'video-stream', url: sim.urls.mjpeg.replace('/mjpeg', '/nope'), ...fast })
  const h = await healthWith(sink, 'not found', coded('video-stream.not-found'))
  t.equal(h.reason?.message.nb, 'Jodapro har ikke video på adressen boksen er satt opp med — kontakt IT')
})

t.test('a sluggish camera is degraded as slow, and ok when it speeds up', async (t) => {
  const { sim, sink } = await source(t, { stream: 'mjpeg', driver: { slowMs: 150, timeoutMs: 3000 } })
  await healthWith(sink, 'ok', isOk)
  sim.setLatency(500) // well past slowMs, well inside timeoutMs
  const slow = await healthWith(sink, 'slow', coded('video-stream.slow'))
  t.equal(slow.state, 'degraded')
  t.match(slow.reason?.message.nb, /^Jodapro svarer tregt \(\d+ ms\) — videoen kan starte sent eller hakke$/)
  sim.setLatency(0)
  await healthWith(sink, 'ok again', isOk)
  t.pass('back to ok')
})

t.test('tcp:// is reachability only: ok while listening, refused when off', async (t) => {
  const sim = await startVideoStreamSimulator({ batteryPct: null })
  t.teardown(sim.stop)
  const url = sim.urls.rtsp.replace('rtsp://', 'tcp://').replace('/live', '')
  const { sink } = await runDriver(t, videoStreamDriver, { id: 'jodapro-1', name: 'Jodapro', kind: 'video-stream', url, ...fast })
  const ok = await healthWith(sink, 'ok', isOk)
  t.match(ok.metrics, { scheme: 'tcp', reachable: true })
  await sim.offline()
  await healthWith(sink, 'refused', coded('video-stream.refused'))
  await sim.restore()
  await healthWith(sink, 'ok again', isOk)
  t.pass('back')
})
