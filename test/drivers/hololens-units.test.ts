// The pure parts of the HoloLens driver, without sockets: certificate pins, the battery drain
// estimator, the health assessment, config resolution, and replies that no HoloLens should send.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { X509Certificate } from 'node:crypto'
import { describeCertificate, parseCertPin, pinMatches, pinOfDer, CERT_PIN_PATTERN } from '../../drivers/hololens/cert-pin.js'
import { BatteryDrainEstimator } from '../../drivers/hololens/battery-estimator.js'
import { assessFailure, assessObservation, type HoloLensObservation, type StreamCheck } from '../../drivers/hololens/assess.js'
import { resolveConfig } from '../../drivers/hololens/config.js'
import { DevicePortalError } from '../../drivers/hololens/device-portal-client.js'
import { hololensReasons } from '../../drivers/hololens/reasons.js'
import { decodeJson, parseBattery, parseSystemPerf, parseThermalStage, unwrapReason } from '../../drivers/hololens/replies.js'
import { checkMessage } from '../../protocol/validate.js'

const der = new X509Certificate(readFileSync(new URL('../../drivers/hololens/sim-tls/cert.pem', import.meta.url))).raw

t.test('certificate pins: both spellings name the same certificate; nonsense is refused', async (t) => {
  const pin = pinOfDer(der)
  const hexColons = new X509Certificate(readFileSync(new URL('../../drivers/hololens/sim-tls/cert.pem', import.meta.url))).fingerprint256
  const re = new RegExp(CERT_PIN_PATTERN)
  for (const spelling of [pin, hexColons, hexColons.replace(/:/g, ''), hexColons.toLowerCase(), `sha256/${hexColons}`]) {
    t.ok(re.test(spelling), `the config schema accepts ${spelling.slice(0, 20)}…`)
    const parsed = parseCertPin(spelling)
    t.ok(parsed !== null && pinMatches(parsed, { raw: der }), `${spelling.slice(0, 20)}… matches the certificate`)
  }
  for (const bad of ['', 'sha256/', 'sha1/abc', 'AA:BB', 'sha256/' + 'x'.repeat(43) + '==']) {
    t.equal(parseCertPin(bad), null, `"${bad}" is not a pin`)
  }
  const other = parseCertPin('sha256/' + Buffer.alloc(32, 1).toString('base64'))
  t.ok(other !== null && !pinMatches(other, { raw: der }), 'another hash does not match')
  const seen = describeCertificate({ raw: der })
  t.equal(seen?.pin, pin)
  t.equal(seen?.sha256Hex, hexColons)
})

t.test('battery estimator: a steady drain gives minutes left; charging, a rise or too little data give none', async (t) => {
  const e = new BatteryDrainEstimator({ minSpanMs: 60_000, minSamples: 3 })
  t.equal(e.estimate(), null, 'nothing yet')
  // 0.5 %/min from 60 %, a sample every 10 s for 2 minutes.
  for (let i = 0; i <= 12; i++) e.observe(i * 10_000, 60 - (0.5 * i) / 6, false)
  const est = e.estimate()
  t.ok(est !== null)
  t.equal(Math.round((est?.pctPerMinute ?? 0) * 100) / 100, 0.5)
  t.equal(est?.minutes, Math.floor(59 / 0.5), 'what is left at the observed rate')

  e.observe(130_000, 58.9, true)
  t.equal(e.estimate(), null, 'charging clears the history')

  const rise = new BatteryDrainEstimator({ minSpanMs: 0, minSamples: 3 })
  rise.observe(0, 50, false); rise.observe(10_000, 49, false); rise.observe(20_000, 70, false)
  t.equal(rise.estimate(), null, 'a jump up (charged meanwhile) starts afresh')

  const flat = new BatteryDrainEstimator({ minSpanMs: 0, minSamples: 3 })
  for (let i = 0; i < 5; i++) flat.observe(i * 10_000, 80, false)
  t.equal(flat.estimate(), null, 'not draining: no estimate rather than "forever"')

  const noisy = new BatteryDrainEstimator({ minSpanMs: 0, minSamples: 3 })
  noisy.observe(0, 50, false); noisy.observe(0, 49, false); noisy.observe(NaN, 48, false)
  t.doesNotThrow(() => noisy.estimate(), 'odd timestamps do not throw')
})

const baseObservation = (over: Partial<HoloLensObservation> = {}): HoloLensObservation => ({
  battery: parseBattery({ AcOnline: 0, BatteryPresent: 1, Charging: 0, EstimatedTime: 4294967295, MaximumCapacity: 16500, RemainingCapacity: 13200 }),
  batteryError: null,
  batteryMinutes: { minutes: 120, source: 'observed' },
  thermalStage: 0,
  powerState: null,
  network: null,
  mrc: null,
  perf: null,
  machineName: null,
  deviceFamily: null,
  ...over
})
const ctx = { name: 'HoloLens', minStreamKbps: 300 }
const stream = (over: Partial<StreamCheck>): StreamCheck => ({ at: 0, path: '/api/holographic/stream/live_low.mp4', kbps: 600, bytes: 150_000, endedEarly: false, error: null, ...over })

t.test('assessment: the readiness metric names are always there', async (t) => {
  const h = assessObservation(baseObservation(), stream({}), ctx)
  t.equal(h.state, 'ok')
  t.match(h.metrics, { batteryPct: 80, charging: false, batteryMinutesLeft: 120, thermalStage: 0, streamKbps: 600, streamOk: true })
  const down = assessFailure(new DevicePortalError('unreachable', 'x', '/api/power/battery', 'ECONNREFUSED'), { name: 'HoloLens', origin: 'https://h' })
  for (const name of ['batteryPct', 'charging', 'batteryMinutesLeft', 'thermalStage']) {
    t.ok(name in (down.metrics ?? {}), `${name} present (null) when the device is down`)
  }
})

t.test('assessment: the worst finding wins, red before amber', async (t) => {
  const lowAndWarm = assessObservation(baseObservation({
    battery: parseBattery({ AcOnline: 0, Charging: 0, MaximumCapacity: 100, RemainingCapacity: 20 }),
    thermalStage: 2
  }), null, ctx)
  t.equal(lowAndWarm.state, 'down')
  t.equal(lowAndWarm.reason?.code, 'hololens.thermal-critical')
  const slowAndLow = assessObservation(baseObservation({ battery: parseBattery({ AcOnline: 0, Charging: 0, MaximumCapacity: 100, RemainingCapacity: 20 }) }), stream({ kbps: 100 }), ctx)
  t.equal(slowAndLow.state, 'degraded')
  t.equal(slowAndLow.reason?.code, 'hololens.battery-low', 'the battery, first found, is the reason shown')
  const onCharger = assessObservation(baseObservation({ battery: parseBattery({ AcOnline: 1, Charging: 0, MaximumCapacity: 100, RemainingCapacity: 5 }) }), null, ctx)
  t.equal(onCharger.state, 'ok', 'a low battery on the charger is not a problem')
  t.equal(onCharger.metrics?.batteryMinutesLeft, null)
  const edge = assessObservation(baseObservation({ battery: parseBattery({ AcOnline: 0, Charging: 0, MaximumCapacity: 1000, RemainingCapacity: 249 }) }), null, ctx)
  t.equal(edge.metrics?.batteryPct, 25)
  t.equal(edge.state, 'ok', 'the threshold compares the percentage staff see')
})

t.test('assessment: stream findings', async (t) => {
  t.equal(assessObservation(baseObservation(), stream({ bytes: 28, kbps: 0.1 }), ctx).reason?.code, 'hololens.stream-none', 'a header and nothing else is no video')
  t.equal(assessObservation(baseObservation(), stream({ endedEarly: true }), ctx).reason?.code, 'hololens.stream-none')
  const err = new DevicePortalError('http', 'x', '/api/holographic/stream/live_low.mp4', 'HTTP 404 Not Found', 404)
  const notFound = assessObservation(baseObservation(), stream({ kbps: null, bytes: 0, error: err }), ctx)
  t.equal(notFound.reason?.code, 'hololens.stream-none')
  t.match(notFound.reason?.message.en, /HTTP 404/)
  t.notOk('streamKbps' in (notFound.metrics ?? {}), 'no rate when none was measured')
})

t.test('every reason fits the wire contract, in both languages', async (t) => {
  const cert = describeCertificate({ raw: der })
  const long = 'x'.repeat(5000)
  const reasons = [
    hololensReasons.unreachable('HoloLens', long),
    hololensReasons.authRejected('HoloLens', 'https://192.168.1.30'),
    hololensReasons.tlsUntrusted('HoloLens', 'https://192.168.1.30', long, cert?.pin ?? null, cert?.sha256Hex ?? null),
    hololensReasons.tlsUntrusted('HoloLens', 'https://192.168.1.30', 'x', null, null),
    hololensReasons.tlsPinMismatch('HoloLens', 'https://192.168.1.30', cert?.pin ?? null),
    hololensReasons.tlsFailed('HoloLens', 'https://h', long),
    hololensReasons.portalError('HoloLens', '/api/power/battery', long),
    hololensReasons.badReply('HoloLens', '/api/power/battery', long),
    hololensReasons.batteryCritical('HoloLens', 3),
    hololensReasons.batteryLow('HoloLens', 22),
    hololensReasons.thermalCritical('HoloLens'),
    hololensReasons.thermalWarm('HoloLens', 1),
    hololensReasons.streamSlow('HoloLens', 80, 300),
    hololensReasons.streamNone('HoloLens', '/x', long),
    hololensReasons.config('HoloLens', long)
  ]
  for (const r of reasons) {
    const checked = checkMessage('health', { kind: 'hololens', state: 'down', reason: r, metrics: {}, ts: 1 })
    t.ok(checked.ok, checked.ok ? `${r.code} fits` : checked.reason)
  }
})

t.test('config: defaults applied, bad entries explained, never thrown', async (t) => {
  const ok = resolveConfig({ id: 'h', name: 'HoloLens', kind: 'hololens', url: 'https://192.168.1.30', username: 'u', password: 'p' })
  t.ok(ok.ok)
  if (ok.ok) {
    t.match(ok.value, { pollIntervalMs: 10_000, timeoutMs: 5000, streamPath: '/api/holographic/stream/live_low.mp4', streamCheckIntervalMs: 60_000, minStreamKbps: 300, pin: null })
    t.equal(ok.value.origin.origin, 'https://192.168.1.30')
  }
  t.ok(resolveConfig({ url: 'https://[fe80::1]:8443/', username: 'u', password: 'p' }).ok, 'an IPv6 address with a port')
  for (const [entry, field] of [
    [{ url: 'http://192.168.1.30', username: 'u', password: 'p' }, 'url'],
    [{ url: 'https://h:99999', username: 'u', password: 'p' }, 'url'],
    [{ url: 'https://h', username: 'u' }, 'password'],
    [{ url: 'https://h', username: 'u', password: 'p', certFingerprint: 'nope' }, 'certFingerprint'],
    [{ url: 'https://h', username: 'u', password: 'p', pollIntervalMs: 'often' }, 'pollIntervalMs']
  ] as const) {
    const r = resolveConfig(entry as Record<string, unknown>)
    t.notOk(r.ok, `refused: ${JSON.stringify(entry)}`)
    if (!r.ok) t.match(r.problem, new RegExp(field))
  }
})

t.test('replies no HoloLens should send are read as unknown, not as values', async (t) => {
  for (const junk of [null, 42, 'text', [], [1], { RemainingCapacity: 'lots' }, { Nothing: true }]) {
    t.doesNotThrow(() => parseBattery(junk))
    t.doesNotThrow(() => parseSystemPerf(junk))
    t.doesNotThrow(() => parseThermalStage(junk))
  }
  t.equal(parseBattery({ Nothing: true }), null)
  t.equal(parseBattery({ AcOnline: 1, MaximumCapacity: 0, RemainingCapacity: 0 })?.pct, null, 'no capacity: unknown charge, not 0 %')
  t.equal(parseThermalStage({ CurrentStage: -1 }), null)
  t.equal(parseThermalStage({ CurrentStage: '1' }), 1, 'a number sent as text still reads')
  t.same(unwrapReason({ Reason: 'Access denied' }), { Reason: 'Access denied' }, 'a real error Reason is left alone')
  t.same(decodeJson('\uFEFF{"a" : 1}'), { ok: true, value: { a: 1 } }, 'a BOM is tolerated')
  t.equal(decodeJson('<html>').ok, false)
  t.equal(parseSystemPerf({ Reason: '{"CpuLoad" : 12, "TotalPages" : 0}' })?.memoryUsedPct, null, 'no division by zero')
})
