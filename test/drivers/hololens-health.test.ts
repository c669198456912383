// What the HoloLens driver tells the room, against the simulator over real HTTPS on loopback:
// battery, heat and live video turn health amber or red with the sentences staff read; credentials
// and certificates are refused with reasons IT can act on; Device Portal's CSRF rule is honoured on
// a POST; a device that hangs is caught by the timeout; the commands answer.
import t, { type Test } from 'tap'
import { request } from 'node:https'
import { holoLensDriver } from '../../drivers/hololens/index.js'
import { DevicePortalClient, DevicePortalError } from '../../drivers/hololens/device-portal-client.js'
import { DeviceCommandError, type DriverHealth } from '../../drivers/contract.js'
import { startHoloLensSimulator, type HoloLensSimulator, type HoloLensSimulatorOptions } from '../../drivers/hololens/simulator.js'
import { checkMessage } from '../../protocol/validate.js'
import { runDriver, type RecordingSink } from './driver-contract.js'
import { waitFor } from '../helpers/index.js'

async function simulator (t: Test, options: HoloLensSimulatorOptions = {}): Promise<HoloLensSimulator> {
  const sim = await startHoloLensSimulator(options)
  t.teardown(() => sim.stop())
  return sim
}

function configFor (sim: HoloLensSimulator, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: 'hololens-1', name: 'HoloLens', kind: 'hololens', ...sim.deviceConfig, pollIntervalMs: 150, timeoutMs: 2000, streamCheckIntervalMs: 0, ...extra }
}

async function until (sink: RecordingSink, what: string, test: (h: DriverHealth) => boolean): Promise<DriverHealth> {
  return await waitFor(what, () => {
    const h = sink.lastHealth
    return h !== undefined && test(h) ? h : undefined
  })
}

function fitsWire (t: Test, h: DriverHealth): void {
  const checked = checkMessage('health', { kind: 'hololens', state: h.state, reason: h.reason ?? null, metrics: h.metrics ?? {}, ts: Date.now() })
  t.ok(checked.ok, checked.ok ? 'fits the wire contract' : checked.reason)
}

t.test('battery: low is amber with the staff sentence, charging clears it, very low is red', async (t) => {
  const sim = await simulator(t, { batteryPct: 80, drainPctPerMinute: 0 })
  const { sink } = await runDriver(t, holoLensDriver, configFor(sim))
  await until(sink, 'ok at 80 %', (h) => h.state === 'ok')

  sim.setBattery(22)
  const low = await until(sink, 'degraded at 22 %', (h) => h.state === 'degraded')
  t.equal(low.reason?.code, 'hololens.battery-low')
  t.equal(low.reason?.message.nb, 'HoloLens-batteriet er på 22 % — sett den til lading')
  t.equal(low.reason?.message.en, 'The HoloLens battery is at 22 % — put it on the charger')
  t.equal(low.reason?.level, 'amber')
  t.match(low.metrics, { batteryPct: 22, charging: false })
  fitsWire(t, low)

  sim.setCharging(true)
  const charging = await until(sink, 'ok once on the charger', (h) => h.state === 'ok')
  t.match(charging.metrics, { charging: true, batteryMinutesLeft: null })

  sim.setCharging(false)
  sim.setBattery(7)
  const critical = await until(sink, 'down at 7 %', (h) => h.state === 'down')
  t.equal(critical.reason?.code, 'hololens.battery-critical')
  t.equal(critical.reason?.message.nb, 'HoloLens-batteriet er på 7 % — sett den til lading nå')
  t.equal(critical.reason?.level, 'red')
})

t.test('battery: a draining battery crosses the threshold and minutes left come from the observed drain', async (t) => {
  // 30 %/min: from 27 % it crosses 25 % in about 4 s.
  const sim = await simulator(t, { batteryPct: 27, drainPctPerMinute: 30 })
  const { sink } = await runDriver(t, holoLensDriver, configFor(sim))
  const low = await until(sink, 'degraded as it drains below 25 %', (h) => h.reason?.code === 'hololens.battery-low')
  t.match(low.reason?.message.nb, /^HoloLens-batteriet er på 2[0-4] % — sett den til lading$/)
  const observed = await until(sink, 'an estimate from the observed drain', (h) => h.metrics?.batteryEstimate === 'observed')
  const minutes = observed.metrics?.batteryMinutesLeft
  t.type(minutes, 'number', 'batteryMinutesLeft is a number')
  // At 30 %/min a battery near 25 % has well under 5 minutes; a stale or device figure would not say so.
  t.ok(typeof minutes === 'number' && minutes >= 0 && minutes <= 5, `a few minutes at most (got ${String(minutes)})`)
})

t.test('thermal stage: warm is amber, critical is red, normal is ok again', async (t) => {
  const sim = await simulator(t, { drainPctPerMinute: 0 })
  const { sink } = await runDriver(t, holoLensDriver, configFor(sim))
  await until(sink, 'ok', (h) => h.state === 'ok')
  sim.setThermalStage(1)
  const warm = await until(sink, 'degraded when warm', (h) => h.state === 'degraded')
  t.equal(warm.reason?.code, 'hololens.thermal-warm')
  t.equal(warm.reason?.message.nb, 'HoloLens er varm — la den hvile og kjøle seg ned før timen')
  t.equal(warm.metrics?.thermalStage, 1)
  sim.setThermalStage(2)
  const hot = await until(sink, 'down when critical', (h) => h.state === 'down')
  t.equal(hot.reason?.code, 'hololens.thermal-critical')
  sim.setThermalStage(0)
  await until(sink, 'ok when cooled', (h) => h.state === 'ok')
})

t.test('live video: a usable stream is measured, a slow one is amber, a stalled one says no video', async (t) => {
  const sim = await simulator(t, { drainPctPerMinute: 0 })
  const { sink } = await runDriver(t, holoLensDriver, configFor(sim, { streamCheckIntervalMs: 200 }))
  const ok = await until(sink, 'a measured stream', (h) => typeof h.metrics?.streamKbps === 'number')
  t.equal(ok.state, 'ok')
  t.ok((ok.metrics?.streamKbps as number) >= 300, `live_low delivers a usable rate (${String(ok.metrics?.streamKbps)} kbit/s)`)
  t.ok(sim.stats.streamsOpened >= 1)

  sim.setStreamKbps(80)
  const slow = await until(sink, 'degraded on a slow stream', (h) => h.reason?.code === 'hololens.stream-slow')
  t.equal(slow.state, 'degraded')
  t.ok((slow.metrics?.streamKbps as number) < 300, 'the measured rate is below the minimum')
  t.match(slow.reason?.message.nb, /^Videoen fra HoloLens går for tregt/)
  t.match(slow.reason?.message.en, /below the 300 kbit\/s needed/)

  sim.setStreamKbps(0)
  const none = await until(sink, 'degraded on a stalled stream', (h) => h.reason?.code === 'hololens.stream-none')
  t.equal(none.metrics?.streamOk, false)

  sim.setStreamKbps(600)
  await until(sink, 'ok when video flows again', (h) => h.state === 'ok')
  await waitFor('the stream connections closed', () => sim.stats.openStreams === 0)
})

t.test('a wrong password is down with a reason for IT', async (t) => {
  const sim = await simulator(t)
  const { sink } = await runDriver(t, holoLensDriver, configFor(sim, { password: 'not-the-password' }))
  const down = await until(sink, 'down', (h) => h.state === 'down')
  t.equal(down.reason?.code, 'hololens.auth-rejected')
  t.match(down.reason?.message.nb, /ring IT-support/)
  t.match(down.reason?.message.en, /refused the user name or password \(HTTP 401\)/)
  t.match(down.reason?.message.en, /username\/password in the room config/)
  t.ok(sim.stats.unauthorized > 0)
  fitsWire(t, down)
})

t.test('an unpinned self-signed certificate is refused, and the reason says how to pin it', async (t) => {
  const sim = await simulator(t)
  const { certFingerprint, ...unpinned } = configFor(sim)
  const { sink } = await runDriver(t, holoLensDriver, unpinned)
  const down = await until(sink, 'down', (h) => h.state === 'down')
  t.equal(down.reason?.code, 'hololens.tls-untrusted')
  t.ok(down.reason?.message.en.includes(`certFingerprint: "${String(certFingerprint)}"`), 'English names the fingerprint seen, ready to paste')
  t.ok(down.reason?.message.nb.includes(String(certFingerprint)), 'so does the Norwegian')
  t.match(down.reason?.message.en, /DEPTH_ZERO_SELF_SIGNED_CERT/)
  t.equal(sim.stats.requests, 0, 'no request (no credentials) was sent to the untrusted device')
  fitsWire(t, down)
})

t.test('a pinned certificate is accepted in either spelling; another pin is refused', async (t) => {
  const sim = await simulator(t, { drainPctPerMinute: 0 })
  const hex = Buffer.from(sim.deviceConfig.certFingerprint.slice('sha256/'.length), 'base64').toString('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:')
  const base64 = await runDriver(t, holoLensDriver, configFor(sim))
  await until(base64.sink, 'ok with sha256/<base64>', (h) => h.state === 'ok')
  const colonHex = await runDriver(t, holoLensDriver, configFor(sim, { certFingerprint: hex }))
  await until(colonHex.sink, 'ok with AA:BB:… hex', (h) => h.state === 'ok')

  const wrong = await runDriver(t, holoLensDriver, configFor(sim, { certFingerprint: 'sha256/' + Buffer.alloc(32, 7).toString('base64') }))
  const refused = await until(wrong.sink, 'down with another pin', (h) => h.state === 'down')
  t.equal(refused.reason?.code, 'hololens.tls-pin-mismatch')
  t.ok(refused.reason?.message.en.includes(sim.deviceConfig.certFingerprint), 'names the certificate seen')
})

t.test('without a pin, ordinary CA verification applies (trusted CA accepted)', async (t) => {
  const sim = await simulator(t)
  const client = new DevicePortalClient({ origin: new URL(sim.deviceConfig.url), username: sim.deviceConfig.username, password: sim.deviceConfig.password, pin: null, timeoutMs: 2000, ca: sim.certificatePem })
  const battery = await client.battery()
  t.equal(Math.round(battery.pct ?? 0), 80)
  const viaName = new DevicePortalClient({ origin: new URL(sim.deviceConfig.url.replace('127.0.0.1', 'localhost')), username: sim.deviceConfig.username, password: sim.deviceConfig.password, pin: null, timeoutMs: 2000, ca: sim.certificatePem })
  t.equal(await viaName.thermalStage(), 0, 'verified by host name too')
})

t.test('CSRF: a POST needs the token; the client fetches it, sends it, and refreshes it after a restart', async (t) => {
  const sim = await simulator(t)
  const raw = await new Promise<{ status: number, message: string }>((resolve, reject) => {
    const req = request(`${sim.deviceConfig.url}/api/holographic/mrc/photo?holo=true&pv=true`, {
      method: 'POST',
      ca: sim.certificatePem,
      auth: `${sim.deviceConfig.username}:${sim.deviceConfig.password}`,
      headers: { Connection: 'close' }
    }, (res) => { res.resume(); resolve({ status: res.statusCode ?? 0, message: res.statusMessage ?? '' }) })
    req.on('error', reject)
    req.end()
  })
  t.same(raw, { status: 403, message: 'CSRF Token Invalid' }, 'the simulator refuses a POST without the token, as Device Portal does')
  t.equal(sim.device.photoCount, 0)

  const { driver, sink } = await runDriver(t, holoLensDriver, configFor(sim))
  await until(sink, 'ok', (h) => h.state === 'ok')
  const first = await driver.command?.('mrc.photo', {}) as { taken: boolean, file: string | null }
  t.equal(first.taken, true)
  t.match(first.file, /_HoloLens\.jpg$/)
  t.equal(sim.device.photoCount, 1, 'the photo was taken')
  const rejectedBefore = sim.stats.csrfRejected

  // A restart forgets the session: the client's token is refused once, refreshed, and the POST goes through.
  await sim.goOffline('refuse')
  await sim.comeBack()
  await driver.command?.('mrc.photo', { holograms: false, camera: true })
  t.equal(sim.device.photoCount, 2)
  t.equal(sim.stats.csrfRejected, rejectedBefore + 1, 'one refusal of the stale token, then success')
})

t.test('a device that accepts connections but never answers is down after the timeout', async (t) => {
  const sim = await simulator(t)
  const { sink } = await runDriver(t, holoLensDriver, configFor(sim, { timeoutMs: 300 }))
  await until(sink, 'ok', (h) => h.state === 'ok')
  await sim.goOffline('silent')
  const down = await until(sink, 'down', (h) => h.state === 'down')
  t.equal(down.reason?.code, 'hololens.unreachable')
  t.equal(down.reason?.message.nb, 'HoloLens svarer ikke — sjekk at den er slått på og koblet til nettet')
  t.match(down.reason?.message.en, /within 300 ms/)
  t.equal(down.metrics?.batteryMinutesLeft, null)
  await sim.comeBack()
  await until(sink, 'ok again', (h) => h.state === 'ok')
})

t.test('selfTest runs a full poll with the stream check and returns the measurements', async (t) => {
  const sim = await simulator(t, { drainPctPerMinute: 0 })
  const { driver, sink } = await runDriver(t, holoLensDriver, configFor(sim))
  await until(sink, 'ok', (h) => h.state === 'ok')
  const result = await driver.command?.('selfTest', {}) as { passed: boolean, state: string, metrics: Record<string, unknown>, info: Record<string, unknown> | null }
  t.equal(result.passed, true)
  t.equal(result.state, 'ok')
  t.type(result.metrics.streamKbps, 'number', 'the stream was measured although the periodic check is off')
  t.match(result.metrics, { batteryPct: 80, charging: false, thermalStage: 0 })
  t.match(result.info, { vendor: 'Microsoft', model: 'HoloLens 2', firmware: sim.device.osVersion })

  await sim.goOffline('refuse')
  const offline = await driver.command?.('selfTest', {}) as { passed: boolean, reason: { code: string } }
  t.equal(offline.passed, false)
  t.equal(offline.reason.code, 'hololens.unreachable')
  await t.rejects(driver.command?.('mrc.photo', {}) ?? Promise.resolve(), DeviceCommandError, 'a photo of an absent device fails with a reason')
})

t.test('a config that cannot work is reported, not thrown', async (t) => {
  const { sink } = await runDriver(t, holoLensDriver, { id: 'hololens-1', name: 'Briller', kind: 'hololens', url: 'http://192.168.1.30', username: 'u', password: 'p' })
  const down = await until(sink, 'down', (h) => h.state === 'down')
  t.equal(down.reason?.code, 'hololens.config')
  t.match(down.reason?.message.nb, /^Briller er ikke satt opp riktig/)
  t.match(down.reason?.message.en, /url/)
})

t.test('DevicePortalError says what failed', async (t) => {
  const sim = await simulator(t)
  const client = new DevicePortalClient({ origin: new URL(sim.deviceConfig.url), username: 'x', password: 'y', pin: null, timeoutMs: 2000 })
  const err = await client.battery().catch((e: unknown) => e)
  t.ok(err instanceof DevicePortalError)
  t.equal((err as DevicePortalError).kind, 'tls-untrusted', 'certificate first: credentials never reach an untrusted device')
  t.equal((err as DevicePortalError).certificate?.pin, sim.deviceConfig.certFingerprint)
})
