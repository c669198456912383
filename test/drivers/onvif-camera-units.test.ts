// The pure parts of the onvif-camera family, without sockets: XML reading, reply classification,
// the probe verdict, clock drift, preset resolution, reasons, discovery-reply reading, the PTZ
// mechanics and the generated JPEG. Plus the learnt-preset file on a real folder.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { XmlError, child, parseXml, path, textOf } from '../../drivers/onvif-camera/xml.js'
import { judgeUnauthenticatedReply } from '../../drivers/onvif-camera/reachability.js'
import { cameraUtcMs, clockDriftMs } from '../../drivers/onvif-camera/clock.js'
import { judgeProbe } from '../../drivers/onvif-camera/verdict.js'
import { OnvifCallError, classifyLibraryError } from '../../drivers/onvif-camera/onvif-client.js'
import { checkPresets, learnFromChecks, planRepair } from '../../drivers/onvif-camera/preset-integrity.js'
import { cameraReasons, formatDuration } from '../../drivers/onvif-camera/reasons.js'
import { discoveredCamera, readProbeMatches } from '../../drivers/onvif-camera/discovery.js'
import { PtzMechanics } from '../../drivers/onvif-camera/simulator-ptz.js'
import { encodeBlockJpeg, roomSnapshot } from '../../drivers/onvif-camera/test-pattern-jpeg.js'
import { looksLikeJpeg, snapshotTarget } from '../../drivers/onvif-camera/snapshot.js'
import { LearntPresetStore } from '../../drivers/onvif-camera/preset-store.js'
import { onvifCameraDriver } from '../../drivers/onvif-camera/index.js'
import { tempDir, testLogger } from '../helpers/index.js'

const reasons = cameraReasons('Kamera', 'cam-1')

t.test('XML: prefixes dropped, namespaces resolved, entities decoded', async (t) => {
  const doc = parseXml('<?xml version="1.0"?><!-- c --><s:Envelope xmlns:s="urn:env" xmlns:t="urn:t"><s:Body><t:Op xmlns="urn:default" a="1 &amp; 2"><Name>S&#248;r &lt;1&gt;</Name><x/><![CDATA[<raw>]]></t:Op></s:Body></s:Envelope>')
  t.equal(doc.name, 'Envelope')
  t.equal(doc.namespace, 'urn:env')
  const op = path(doc, 'Body', 'Op')
  t.equal(op?.namespace, 'urn:t')
  t.equal(op?.attrs.a, '1 & 2')
  t.equal(textOf(op, 'Name'), 'Sør <1>')
  t.equal(child(op, 'Name')?.namespace, 'urn:default')
  t.match(op?.text, /<raw>/)
})

t.test('XML: malformed input is an XmlError, never a crash or a hang', async (t) => {
  for (const bad of ['', 'garbage', '<a><b></a>', '<a>', '<a></a><b></b>', 'x<a/>', '<a>&bogus;</a>', '<a b="1></a>', '<?xml version="1.0"?><env:Envelope><env:Body><tds:GetDevic\u0000<<>>&&;', '<' + 'a>'.repeat(100)]) {
    t.throws(() => parseXml(bad), XmlError, JSON.stringify(bad.slice(0, 30)))
  }
})

t.test('the unauthenticated reply: SOAP, a web page, or broken', async (t) => {
  const times = { sentAt: 1_000_000, receivedAt: 1_000_200, uptimeMs: 5000 }
  const html = judgeUnauthenticatedReply(404, 'text/html', '<!DOCTYPE html><html><body>Not Found</body></html>', 3, times)
  t.equal(html.kind, 'not-onvif')
  t.equal(judgeUnauthenticatedReply(200, 'text/plain', 'hello', 3, times).kind, 'not-onvif')
  t.equal(judgeUnauthenticatedReply(200, 'application/soap+xml', '<env:Envelope><env:Body><Get', 3, times).kind, 'bad-reply')
  const fault = judgeUnauthenticatedReply(400, 'application/soap+xml', '<e:Envelope xmlns:e="x"><e:Body><e:Fault/></e:Body></e:Envelope>', 3, times)
  t.same(fault, { kind: 'onvif', clock: null, responseMs: 3 }, 'a fault is still an ONVIF device')
  const time = judgeUnauthenticatedReply(200, 'application/soap+xml', '<Envelope><Body><GetSystemDateAndTimeResponse><SystemDateAndTime><UTCDateTime><Time><Hour>0</Hour><Minute>16</Minute><Second>40</Second></Time><Date><Year>1970</Year><Month>1</Month><Day>1</Day></Date></UTCDateTime></SystemDateAndTime></GetSystemDateAndTimeResponse></Body></Envelope>', 200, times)
  t.match(time, { kind: 'onvif', clock: { cameraMs: 1_000_000, driftMs: 1_000_000 + 500 - 1_000_100 } })
})

t.test('camera time: UTC only, nonsense refused; drift from the middle of the round trip', async (t) => {
  const reply = (date: string): ReturnType<typeof parseXml> => parseXml(`<R><SystemDateAndTime>${date}</SystemDateAndTime></R>`)
  t.equal(cameraUtcMs(reply('<UTCDateTime><Time><Hour>19</Hour><Minute>14</Minute><Second>37</Second></Time><Date><Year>2014</Year><Month>12</Month><Day>24</Day></Date></UTCDateTime>')), Date.UTC(2014, 11, 24, 19, 14, 37))
  t.equal(cameraUtcMs(reply('<LocalDateTime><Time><Hour>1</Hour><Minute>1</Minute><Second>1</Second></Time><Date><Year>2020</Year><Month>1</Month><Day>1</Day></Date></LocalDateTime>')), null, 'local time alone is not trusted')
  t.equal(cameraUtcMs(reply('<UTCDateTime><Time><Hour>25</Hour><Minute>0</Minute><Second>0</Second></Time><Date><Year>2020</Year><Month>13</Month><Day>1</Day></Date></UTCDateTime>')), null)
  t.equal(cameraUtcMs(reply('<UTCDateTime><Time><Hour>x</Hour></Time></UTCDateTime>')), null)
  t.equal(clockDriftMs(10_000, 9_000, 9_200), 10_000 + 500 - 9_100)
})

t.test('library errors are sorted by kind', async (t) => {
  t.equal(classifyLibraryError(new Error('Network timeout'), undefined), 'timeout')
  t.equal(classifyLibraryError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), undefined), 'network')
  t.equal(classifyLibraryError(new Error('ONVIF SOAP Fault: Sender not Authorized'), undefined), 'auth')
  t.equal(classifyLibraryError(new Error('ONVIF SOAP Fault: x'), '<Fault><Subcode><Value>ter:NotAuthorized</Value></Subcode></Fault>'), 'auth')
  t.equal(classifyLibraryError(new Error('ONVIF SOAP Fault: No such PresetToken'), undefined), 'fault')
  t.equal(classifyLibraryError(new Error('Wrong ONVIF SOAP response'), 'garbage'), 'bad-reply')
  t.equal(classifyLibraryError(new TypeError('Cannot read properties of undefined'), undefined), 'bad-reply')
})

t.test('the probe verdict: how up the camera is, and why not', async (t) => {
  const onvif = { kind: 'onvif' as const, clock: null, responseMs: 5 }
  const err = (kind: ConstructorParameters<typeof OnvifCallError>[1]): OnvifCallError => new OnvifCallError('GetPresets', kind, 'x')
  t.match(judgeProbe({ unauthenticated: onvif, authenticated: { ok: true } }, reasons), { reachability: 'up', down: null })
  t.match(judgeProbe({ unauthenticated: onvif, authenticated: { ok: false, error: err('auth') } }, reasons), { reachability: 'up-without-auth', down: { reason: { code: 'camera.credentials-rejected' } } })
  t.match(judgeProbe({ unauthenticated: onvif, authenticated: { ok: false, error: err('timeout') } }, reasons), { reachability: 'reachable', down: { reason: { code: 'camera.not-responding' } } })
  t.match(judgeProbe({ unauthenticated: onvif, authenticated: { ok: false, error: err('fault') } }, reasons), { down: { reason: { code: 'camera.error' } } })
  t.match(judgeProbe({ unauthenticated: onvif, authenticated: { ok: false, error: { kind: 'no-profile', detail: 'none' } } }, reasons), { down: { reason: { code: 'camera.no-profile' } } })
  t.match(judgeProbe({ unauthenticated: { kind: 'not-onvif', detail: '' } }, reasons), { reachability: 'reachable', stage: 'unauthenticated', down: { reason: { code: 'camera.not-onvif' } } })
  t.match(judgeProbe({ unauthenticated: { kind: 'timeout', detail: '' }, tcp: 'open' }, reasons), { reachability: 'reachable', stage: 'tcp', down: { reason: { code: 'camera.not-responding' } } })
  t.match(judgeProbe({ unauthenticated: { kind: 'network', detail: '' }, tcp: 'closed' }, reasons), { reachability: 'unreachable', down: { reason: { code: 'camera.unreachable' } } })
  t.match(judgeProbe({ unauthenticated: { kind: 'timeout', detail: '' }, tcp: 'timeout' }, reasons), { reachability: 'unreachable' })
})

t.test('presets: found by token, by name, or by the token a re-created preset got', async (t) => {
  const camera = [{ token: '1', name: 'Pasient', position: null }, { token: '7', name: 'Oversikt', position: { x: 0, y: 0, zoom: 0 } }]
  const learnt = { overview: { token: '7', name: 'Oversikt', position: { x: 0, y: 0, zoom: 0 }, learntAt: 1 } }
  const checks = checkPresets({ patient: '1', overview: '2', door: 'Dør' }, camera, learnt)
  t.same(checks.map((c) => [c.name, c.found?.token ?? null]), [['patient', '1'], ['overview', '7'], ['door', null]])
  t.same(Object.keys(learnFromChecks(checks, 5)), ['patient'], 'only what changed is learnt (overview is already known)')
  const missing = checkPresets({ patient: '1', overview: '2' }, [], { ...learnt, patient: { token: '1', name: 'Pasient', position: null, learntAt: 1 } })
  const plan = planRepair(missing)
  t.same(plan.recreate.map((c) => c.name), ['overview'], 'a position is needed to put a preset back')
  t.same(plan.unknown.map((c) => c.name), ['patient'])
})

t.test('reasons: stable codes, Norwegian first, preset names in Norwegian', async (t) => {
  const all = [
    reasons.unreachable(), reasons.notResponding(), reasons.notOnvif(), reasons.badReply(), reasons.credentialsRejected(),
    reasons.cameraError('x'), reasons.noProfile(), reasons.clockDrift(-4000), reasons.snapshotFailed('HTTP 500'),
    reasons.presetMissing(['patient'], true), reasons.driverError(), reasons.notConnected(), reasons.noPtz(),
    reasons.presetUnknown('x', ['patient']), reasons.commandFailed('x')
  ]
  for (const r of all) {
    t.match(r.code, /^camera\.[a-z0-9_.-]+$/)
    t.ok(r.message.nb.length > 0 && r.message.en.length > 0 && r.message.nb !== r.message.en, `${r.code} has both languages`)
  }
  t.equal(reasons.presetMissing(['patient'], false).message.nb, 'Kameraets forhåndsinnstilling «pasient» mangler — lagre den på nytt i kameraet, eller ring IT')
  t.equal(cameraReasons('Romkamera').presetMissing(['overview'], true).message.nb, 'Forhåndsinnstillingen «oversikt» mangler i kameraet «Romkamera» — den gjenopprettes nå')
  t.match(reasons.clockDrift(-4000).message.nb, /4 s for sakte/)
  t.equal(formatDuration(95_000), '1 min 35 s')
  t.equal(formatDuration(3 * 3600_000 + 60_000), '3 t 1 min')
  for (const command of onvifCameraDriver.commands) t.ok((command.label.nb as string) !== command.label.en, `${command.name} label in both languages`)
})

t.test('WS-Discovery replies of odd shapes are read, not thrown on', async (t) => {
  t.same(readProbeMatches(null), [])
  t.same(readProbeMatches({ probeMatches: { probeMatch: {} } }), [], 'a match without XAddrs is skipped')
  const two = readProbeMatches({ probeMatches: { probeMatch: [
    { endpointReference: { address: 'urn:uuid:a' }, XAddrs: 'http://192.168.1.20/onvif/device_service http://[fe80::1]/onvif/device_service', scopes: 'onvif://www.onvif.org/name/Kamera%20Rom onvif://www.onvif.org/hardware/DS-2DE' },
    { XAddrs: 'http://192.168.1.21:8000/onvif/dev', scopes: { _: 'onvif://www.onvif.org/name/X' } }
  ] } })
  t.equal(two.length, 2)
  t.same(discoveredCamera(two[0] as never), { kind: 'onvif-camera', config: { host: '192.168.1.20', port: 80 }, description: 'ONVIF camera at 192.168.1.20 — Kamera Rom — DS-2DE' })
  t.same(discoveredCamera(two[1] as never)?.config, { host: '192.168.1.21', port: 8000, path: '/onvif/dev' })
})

t.test('PTZ mechanics: moves take time, continuous moves time out, stop holds', async (t) => {
  let now = 0
  const ptz = new PtzMechanics(() => now, 2, { x: 0, y: 0, zoom: 0 })
  ptz.moveTo({ x: 1, y: -0.5, zoom: 0.5 })
  now = 250
  t.same(ptz.position(), { x: 0.5, y: -0.25, zoom: 0.25 })
  t.equal(ptz.moving(), true)
  now = 500
  t.same(ptz.position(), { x: 1, y: -0.5, zoom: 0.5 })
  t.equal(ptz.moving(), false)
  ptz.moveContinuously({ x: -1, y: 0, zoom: 0 }, 250)
  now = 1000
  t.same(ptz.position(), { x: 0.5, y: -0.5, zoom: 0.5 }, 'stopped by its timeout after 250 ms')
  t.equal(ptz.moving(), false)
  ptz.moveContinuously({ x: 0, y: 0, zoom: 1 })
  now = 2000
  t.equal(ptz.position().zoom, 1, 'held at the end stop')
  t.equal(ptz.moving(), false)
  ptz.moveContinuously({ x: 1, y: 0, zoom: 0 })
  now = 2100
  ptz.stop()
  now = 5000
  t.same(ptz.position(), { x: 0.7, y: -0.5, zoom: 1 })
})

t.test('the generated snapshot is a JPEG that follows the camera', async (t) => {
  const jpeg = encodeBlockJpeg([0, 255, 128, 1], 2, 2)
  t.same([...jpeg.subarray(0, 4)], [0xff, 0xd8, 0xff, 0xe0])
  t.same([...jpeg.subarray(-2)], [0xff, 0xd9])
  t.ok(looksLikeJpeg('image/jpeg', jpeg))
  t.notOk(looksLikeJpeg('text/html', jpeg))
  t.notOk(looksLikeJpeg('image/jpeg', Buffer.from('<html>')))
  t.not(roomSnapshot({ x: 0, y: 0, zoom: 0 }).toString('base64'), roomSnapshot({ x: 0.5, y: 0, zoom: 0 }).toString('base64'))
})

t.test('the snapshot is fetched from the configured host when the camera names another', async (t) => {
  t.equal(snapshotTarget('http://192.168.68.111/cgi/jpg?x=1', '10.0.0.5', 8080).toString(), 'http://10.0.0.5:8080/cgi/jpg?x=1')
  t.equal(snapshotTarget('http://10.0.0.5:81/snap.jpg', '10.0.0.5', 80).toString(), 'http://10.0.0.5:81/snap.jpg', 'the camera\'s own host keeps its port')
  t.equal(snapshotTarget('/snap.jpg', '10.0.0.5', 80).toString(), 'http://10.0.0.5/snap.jpg')
})

t.test('the learnt-preset file: round trip, a corrupt file is ignored', async (t) => {
  const dir = tempDir(t)
  const store = new LearntPresetStore(dir, testLogger())
  await store.load()
  store.update({ patient: { token: '1', name: 'Pasient', position: { x: 0.1, y: 0.2, zoom: 0.3 }, learntAt: 5 } })
  await store.flush()
  const again = new LearntPresetStore(dir, testLogger())
  await again.load()
  t.same(again.get('patient'), { token: '1', name: 'Pasient', position: { x: 0.1, y: 0.2, zoom: 0.3 }, learntAt: 5 })
  writeFileSync(join(dir, 'onvif-camera-presets.json'), '{"presets": {"a": {"token": 1}, "b": {"token": "2", "name": "B", "position": {"x": "no"}}}}')
  const corrupt = new LearntPresetStore(dir, testLogger())
  await corrupt.load()
  t.same(corrupt.all(), { b: { token: '2', name: 'B', position: null, learntAt: 0 } }, 'only well-formed entries are kept')
  writeFileSync(join(dir, 'onvif-camera-presets.json'), 'not json')
  await corrupt.load()
  t.same(corrupt.all(), {})
})
