// The video-stream driver against the simulator's RTSP side over real loopback sockets: Digest and
// Basic auth (credentials in the entry or in the URL), refused credentials, an audio-only SDP, a
// camera that hangs or is switched off, servers that do not speak RTSP at all; and timing the stream
// (stream.measure) by playing it over TCP.
import t from 'tap'
import type { Test } from 'tap'
import { createServer, type Socket } from 'node:net'
import { videoStreamDriver } from '../../drivers/video-stream/index.js'
import { startVideoStreamSimulator, type VideoStreamSimulatorOptions } from '../../drivers/video-stream/simulator.js'
import { DeviceCommandError, type Driver, type DriverHealth } from '../../drivers/contract.js'
import type { StreamMeasurement } from '../../drivers/video-stream/driver.js'
import { waitFor } from '../helpers/index.js'
import { runDriver, type RecordingSink } from './driver-contract.js'

const fast = { pollIntervalMs: 200, measureWindowMs: 300, timeoutMs: 800 }

async function camera (t: Test, options: VideoStreamSimulatorOptions = {}, entry: Record<string, unknown> = {}): Promise<{ sim: Awaited<ReturnType<typeof startVideoStreamSimulator>>, sink: RecordingSink }> {
  const sim = await startVideoStreamSimulator({ stream: 'rtsp', batteryPct: null, ...options, driver: { ...fast, ...options.driver } })
  t.teardown(sim.stop)
  const { sink } = await runDriver(t, videoStreamDriver, { id: 'jodapro-1', name: 'Jodapro', kind: 'video-stream', ...sim.deviceConfig, ...entry })
  return { sim, sink }
}

async function healthWith (sink: RecordingSink, what: string, test: (h: DriverHealth) => boolean): Promise<DriverHealth> {
  return await waitFor(what, () => { const h = sink.lastHealth; return h !== undefined && test(h) ? h : undefined })
}

const isOk = (h: DriverHealth): boolean => h.state === 'ok'
const coded = (code: string) => (h: DriverHealth): boolean => h.reason?.code === code

t.test('Digest auth with credentials in the entry: ok, with codec, size and timings', async (t) => {
  const { sim, sink } = await camera(t, { auth: { username: 'helserom', password: 'sjø&fjell' } })
  const h = await healthWith(sink, 'ok', isOk)
  t.match(h.metrics, { scheme: 'rtsp', codec: 'H264', hasVideo: true, resolution: '1920x1080', profile: 'High', fps: 25, auth: 'digest', audioCodec: 'MPEG4-GENERIC', tracks: 'video,audio' })
  t.type(h.metrics?.responseMs, 'number')
  t.type(h.metrics?.connectMs, 'number')
  t.equal(h.metrics?.kbps, null, 'RTSP pulls no media, so no bitrate')
  t.ok(sim.rtspCounts.unauthorized >= 1, 'the camera challenged first')
  t.ok(sim.rtspCounts.describe >= 1, 'and then described the stream')
})

t.test('Basic auth on every request, credentials in the URL', async (t) => {
  const { sink } = await camera(t, { auth: { username: 'admin', password: 'p@ss:word', scheme: 'basic', scope: 'all' }, credentialsInUrl: true })
  const h = await healthWith(sink, 'ok', isOk)
  t.equal(h.metrics?.auth, 'basic')
})

t.test('a refused password is down with a reason for IT', async (t) => {
  const { sim, sink } = await camera(t, { auth: { username: 'helserom', password: 'riktig' } }, { password: 'feil' })
  const h = await healthWith(sink, 'auth failure', coded('video-stream.auth'))
  t.equal(h.state, 'down')
  t.equal(h.reason?.message.nb, 'Jodapro godtar ikke innloggingen fra boksen — kontakt IT')
  t.match(h.reason?.message.en, /refused/)
  t.ok(sim.rtspCounts.unauthorized >= 2, 'the driver tried once with the answer, not in a loop')
})

t.test('a camera that demands credentials when none are configured is down', async (t) => {
  const sim = await startVideoStreamSimulator({ auth: { username: 'u', password: 'p' }, batteryPct: null })
  t.teardown(sim.stop)
  const { sink } = await runDriver(t, videoStreamDriver, { id: 'jodapro-1', name: 'Jodapro', kind: 'video-stream', url: sim.urls.rtsp, ...fast })
  const h = await healthWith(sink, 'auth failure', coded('video-stream.auth'))
  t.match(h.reason?.message.en, /none is configured/)
})

t.test('an audio-only SDP is degraded; video back is ok', async (t) => {
  const { sim, sink } = await camera(t, { noVideo: true })
  const h = await healthWith(sink, 'no video', coded('video-stream.no-video'))
  t.equal(h.state, 'degraded')
  t.equal(h.metrics?.hasVideo, false)
  t.equal(h.metrics?.tracks, 'audio')
  sim.setNoVideo(false)
  await healthWith(sink, 'ok again', isOk)
  t.pass('back to ok')
})

t.test('a lower resolution shows in the metrics', async (t) => {
  const { sim, sink } = await camera(t)
  await healthWith(sink, 'HD', (h) => h.metrics?.resolution === '1920x1080')
  sim.setResolution(640, 360)
  const h = await healthWith(sink, 'small picture', (h) => h.metrics?.resolution === '640x360')
  t.equal(h.state, 'ok')
})

t.test('a hanging camera is down after the timeout; it recovers', async (t) => {
  const { sim, sink } = await camera(t)
  await healthWith(sink, 'ok', isOk)
  await sim.hang()
  const h = await healthWith(sink, 'timeout', coded('video-stream.timeout'))
  t.equal(h.state, 'down')
  t.equal(h.reason?.message.nb, 'Jodapro svarer ikke — sjekk at kameraet er slått på og koblet til nettet')
  t.match(h.reason?.message.en, /within 0\.8 s/)
  await sim.restore()
  await healthWith(sink, 'ok again', isOk)
  t.pass('back to ok')
})

t.test('a sluggish RTSP camera is degraded as slow', async (t) => {
  const { sim, sink } = await camera(t, { driver: { slowMs: 150, timeoutMs: 3000 } })
  await healthWith(sink, 'ok', isOk)
  sim.setLatency(300) // OPTIONS and DESCRIBE each wait: well past slowMs, inside timeoutMs
  const slow = await healthWith(sink, 'slow', coded('video-stream.slow'))
  t.equal(slow.state, 'degraded')
  sim.setLatency(0)
  await healthWith(sink, 'ok again', isOk)
  t.pass('back to ok')
})

t.test('a switched-off camera is down: connection refused', async (t) => {
  const { sim, sink } = await camera(t)
  await healthWith(sink, 'ok', isOk)
  await sim.offline()
  const h = await healthWith(sink, 'refused', coded('video-stream.refused'))
  t.equal(h.reason?.message.nb, 'Jodapro sender ikke video — sjekk at kameraet er slått på og koblet til nettet')
  t.equal(h.metrics?.reachable, false)
})

t.test('an HTTP server on the RTSP port is a protocol failure', async (t) => {
  const sim = await startVideoStreamSimulator({ batteryPct: null })
  t.teardown(sim.stop)
  const url = sim.urls.mjpeg.replace('http://', 'rtsp://')
  const { sink } = await runDriver(t, videoStreamDriver, { id: 'jodapro-1', name: 'Jodapro', kind: 'video-stream', url, ...fast })
  const h = await healthWith(sink, 'protocol', coded('video-stream.protocol'))
  t.equal(h.state, 'down')
})

/** A server that misbehaves in a given way on every connection. */
async function rogue (t: Test, behave: (socket: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
    behave(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    for (const s of sockets) s.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  const address = server.address()
  return typeof address === 'object' && address !== null ? address.port : 0
}

t.test('garbage, early close and absurd lengths never crash the driver', async (t) => {
  const cases: Array<[string, (s: Socket) => void, string[]]> = [
    ['random bytes', (s) => { s.once('data', () => s.write(Buffer.from([0, 255, 13, 10, 13, 10, 7, 7]))) }, ['video-stream.protocol']],
    ['closes at once', (s) => { s.destroy() }, ['video-stream.reset', 'video-stream.refused']],
    ['huge Content-Length', (s) => { s.once('data', () => s.write('RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 999999999\r\n\r\n')) }, ['video-stream.protocol']],
    ['wrong CSeq', (s) => { s.once('data', () => s.write('RTSP/1.0 200 OK\r\nCSeq: 77\r\n\r\n')) }, ['video-stream.protocol']],
    ['SDP that is not SDP', (s) => {
      let n = 0
      s.on('data', () => { n++; const body = n === 2 ? 'hello' : ''; s.write(`RTSP/1.0 200 OK\r\nCSeq: ${n}\r\nContent-Length: ${body.length}\r\n\r\n${body}`) })
    }, ['video-stream.protocol']]
  ]
  for (const [name, behave, codes] of cases) {
    const port = await rogue(t, behave)
    const { sink } = await runDriver(t, videoStreamDriver, { id: 'jodapro-1', name: 'Jodapro', kind: 'video-stream', url: `rtsp://127.0.0.1:${port}/live`, ...fast })
    const h = await healthWith(sink, name, (h) => h.state === 'down')
    t.ok(codes.includes(h.reason?.code ?? ''), `${name}: ${h.reason?.code ?? 'no reason'}`)
    t.same(sink.failures, [], `${name}: no failure escaped`)
  }
})

t.test('a broken entry is reported as health, not thrown', async (t) => {
  const { sink } = await runDriver(t, videoStreamDriver, { id: 'jodapro-1', name: 'Jodapro', kind: 'video-stream', url: 'ftp://camera/live' })
  const h = await healthWith(sink, 'config reason', coded('video-stream.config'))
  t.equal(h.state, 'down')
  t.match(h.reason?.message.en, /url/)
})

// stream.measure: the pre-session check's bitrate. The routine poll only describes the stream; the
// command plays it (SETUP + PLAY, RTP interleaved over TCP) for the window and counts the video bytes.
async function measure (driver: Driver, windowMs = 1500): Promise<StreamMeasurement> {
  return await driver.command!('stream.measure', { windowMs }) as StreamMeasurement
}

t.test('stream.measure plays RTSP over TCP and reads the bitrate the camera sends; the poll never plays', async (t) => {
  const sim = await startVideoStreamSimulator({ stream: 'rtsp', batteryPct: null, kbps: 4000, auth: { username: 'helserom', password: 'sjø&fjell', scope: 'all' }, driver: fast })
  t.teardown(sim.stop)
  const { driver, sink } = await runDriver(t, videoStreamDriver, { id: 'jodapro-1', name: 'Jodapro', kind: 'video-stream', ...sim.deviceConfig })
  await healthWith(sink, 'ok', isOk)
  await waitFor('a few polls', () => sim.rtspCounts.describe >= 3)
  t.equal(sim.rtspCounts.setup, 0, 'the routine poll pulls no media')

  const full = await measure(driver)
  t.comment(`simulator at 4000 kbit/s: measured ${full.kbps} kbit/s over ${full.windowMs} ms`)
  t.equal(full.scheme, 'rtsp')
  t.ok(full.kbps !== null && Math.abs(full.kbps - 4000) <= 400, `within 10 % of 4000 kbit/s (${full.kbps})`)
  t.match(sim.rtspCounts, { setup: 1, play: 1 }, 'one SETUP and one PLAY, behind Digest auth on every request')
  await waitFor('TEARDOWN', () => sim.rtspCounts.teardown === 1)

  sim.setKbps(800)
  const low = await measure(driver)
  t.comment(`simulator at 800 kbit/s: measured ${low.kbps} kbit/s`)
  t.ok(low.kbps !== null && Math.abs(low.kbps - 800) <= 80, `within 10 % of 800 kbit/s (${low.kbps})`)
})

t.test('stream.measure: a camera that hangs while playing reads low; a switched-off one is a failure with the driver\'s sentence', async (t) => {
  const { sim, sink } = await camera(t, { kbps: 3000 })
  const driver = (await runDriver(t, videoStreamDriver, { id: 'jodapro-2', name: 'Jodapro', kind: 'video-stream', ...sim.deviceConfig })).driver
  await healthWith(sink, 'ok', isOk)
  const measuring = measure(driver, 2000)
  await waitFor('playing', () => sim.rtspCounts.play >= 1)
  await new Promise((resolve) => setTimeout(resolve, 600))
  await sim.hang() // the stream stalls for the rest of the window
  const stalled = await measuring
  await sim.restore()
  t.comment(`hung after about 0.6 s of a 2 s window: ${stalled.kbps} kbit/s`)
  t.ok(stalled.kbps !== null && stalled.kbps < 0.6 * 3000, 'well below what the camera sends when it works')

  await sim.offline()
  const err = await measure(driver).then(() => null, (e: unknown) => e)
  t.ok(err instanceof DeviceCommandError, 'refused: an error with a reason')
  t.equal((err as DeviceCommandError).reason.code, 'video-stream.refused')
  t.equal((err as DeviceCommandError).reason.message.nb, 'Jodapro sender ikke video — sjekk at kameraet er slått på og koblet til nettet')
})

t.test('stream.measure: a camera that only streams over UDP cannot be timed — not measured, not a failure', async (t) => {
  const { sim, sink } = await camera(t, { udpOnly: true })
  const driver = (await runDriver(t, videoStreamDriver, { id: 'jodapro-3', name: 'Jodapro', kind: 'video-stream', ...sim.deviceConfig })).driver
  await healthWith(sink, 'ok', isOk)
  const result = await measure(driver)
  t.equal(result.kbps, null)
  t.match(result.unmeasured, /461 Unsupported Transport/)
  t.equal(sim.rtspCounts.play, 0)
})
