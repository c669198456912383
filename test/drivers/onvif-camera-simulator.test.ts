// The onvif-camera simulator checked on the wire, as a camera would be: WS-Security digests are
// verified properly (wrong password, stale timestamp, replayed nonce refused), pre-auth calls
// answer without a login, services live where GetCapabilities says, the snapshot needs HTTP
// Digest, faults switch at run time, and WS-Discovery answers probes (also through the driver
// factory's discover(), which survives rogue replies).
import t, { type Test } from 'tap'
import { createSocket } from 'node:dgram'
import { request } from 'node:http'
import { createHash, randomBytes } from 'node:crypto'
import { startOnvifCameraSimulator, type OnvifCameraSimulator } from '../../drivers/onvif-camera/simulator.js'
import { onvifCameraDriver } from '../../drivers/onvif-camera/index.js'
import { passwordDigest } from '../../drivers/onvif-camera/ws-security.js'
import { DigestGuard, parseDigestParams } from '../../drivers/onvif-camera/http-digest.js'
import { parseXml, path, textOf } from '../../drivers/onvif-camera/xml.js'
import { freePort, testLogger } from '../helpers/index.js'
import { portAccepts } from '../helpers/servers.js'

interface Reply { status: number, headers: Record<string, string | string[] | undefined>, body: Buffer }

async function http (port: number, method: string, url: string, body?: string, headers: Record<string, string> = {}): Promise<Reply> {
  return await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: url, agent: false, headers: { ...(body !== undefined ? { 'Content-Type': 'application/soap+xml; charset=utf-8', 'Content-Length': Buffer.byteLength(body) } : {}), ...headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

function token (username: string, password: string, created = new Date().toISOString(), nonce = randomBytes(16).toString('base64')): string {
  return '<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">' +
    `<wsse:UsernameToken><wsse:Username>${username}</wsse:Username>` +
    `<wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">${passwordDigest(nonce, created, password)}</wsse:Password>` +
    `<wsse:Nonce>${nonce}</wsse:Nonce><wsu:Created>${created}</wsu:Created></wsse:UsernameToken></wsse:Security>`
}

const envelope = (body: string, header = ''): string =>
  `<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:trt="http://www.onvif.org/ver10/media/wsdl" xmlns:tptz="http://www.onvif.org/ver20/ptz/wsdl"><s:Header>${header}</s:Header><s:Body>${body}</s:Body></s:Envelope>`

const faultCode = (reply: Reply): string | undefined => {
  const doc = parseXml(reply.body.toString('utf8'))
  return textOf(doc, 'Body', 'Fault', 'Code', 'Subcode', 'Value')
}

async function sim (t: Test, options: Parameters<typeof startOnvifCameraSimulator>[0] = {}): Promise<OnvifCameraSimulator> {
  const s = await startOnvifCameraSimulator(options)
  t.teardown(() => s.stop())
  return s
}

t.test('WS-Security: the simulator checks digests, timestamps and nonces as a camera does', async (t) => {
  const s = await sim(t, { clockOffsetMs: 120_000, authToleranceMs: 10_000 })
  const info = envelope('<tds:GetDeviceInformation/>')
  const noLogin = await http(s.port, 'POST', '/onvif/device_service', info)
  t.equal(noLogin.status, 400, 'no token: refused')
  t.equal(faultCode(noLogin), 'ter:NotAuthorized')

  const cameraNow = (): string => new Date(Date.now() + 120_000).toISOString()
  const good = await http(s.port, 'POST', '/onvif/device_service', envelope('<tds:GetDeviceInformation/>', token(s.username, s.password, cameraNow())))
  t.equal(good.status, 200, 'right password and a timestamp on the camera\'s clock: answered')
  t.equal(textOf(parseXml(good.body.toString()), 'Body', 'GetDeviceInformationResponse', 'FirmwareVersion'), '2.10')

  const wrong = await http(s.port, 'POST', '/onvif/device_service', envelope('<tds:GetDeviceInformation/>', token(s.username, 'wrong', cameraNow())))
  t.equal(faultCode(wrong), 'ter:NotAuthorized', 'wrong password: refused')

  const ourClock = await http(s.port, 'POST', '/onvif/device_service', envelope('<tds:GetDeviceInformation/>', token(s.username, s.password, new Date().toISOString())))
  t.equal(faultCode(ourClock), 'ter:NotAuthorized', 'a timestamp two minutes off the camera\'s clock: refused')

  const nonce = randomBytes(16).toString('base64')
  const created = cameraNow()
  const once = await http(s.port, 'POST', '/onvif/device_service', envelope('<tds:GetDeviceInformation/>', token(s.username, s.password, created, nonce)))
  const twice = await http(s.port, 'POST', '/onvif/device_service', envelope('<tds:GetDeviceInformation/>', token(s.username, s.password, created, nonce)))
  t.equal(once.status, 200)
  t.equal(faultCode(twice), 'ter:NotAuthorized', 'the same nonce again: refused as a replay')

  const time = await http(s.port, 'POST', '/onvif/device_service', envelope('<tds:GetSystemDateAndTime/>'))
  t.equal(time.status, 200, 'GetSystemDateAndTime needs no login')
  const utc = path(parseXml(time.body.toString()), 'Body', 'GetSystemDateAndTimeResponse', 'SystemDateAndTime', 'UTCDateTime')
  const cameraMs = Date.UTC(Number(textOf(utc, 'Date', 'Year')), Number(textOf(utc, 'Date', 'Month')) - 1, Number(textOf(utc, 'Date', 'Day')), Number(textOf(utc, 'Time', 'Hour')), Number(textOf(utc, 'Time', 'Minute')), Number(textOf(utc, 'Time', 'Second')))
  t.ok(Math.abs(cameraMs - Date.now() - 120_000) < 2000, 'and tells the camera\'s own (offset) time')
})

t.test('services live at the addresses GetCapabilities advertises; the wrong service path is refused', async (t) => {
  const s = await sim(t)
  const caps = await http(s.port, 'POST', '/onvif/device_service', envelope('<tds:GetCapabilities><tds:Category>All</tds:Category></tds:GetCapabilities>'))
  const doc = parseXml(caps.body.toString())
  const ptz = textOf(doc, 'Body', 'GetCapabilitiesResponse', 'Capabilities', 'PTZ', 'XAddr')
  t.equal(ptz, `http://127.0.0.1:${s.port}/onvif/ptz_service`)
  const login = (): string => token(s.username, s.password)
  const misplaced = await http(s.port, 'POST', '/onvif/device_service', envelope('<tptz:GetPresets><tptz:ProfileToken>main</tptz:ProfileToken></tptz:GetPresets>', login()))
  t.equal(faultCode(misplaced), 'ter:ActionNotSupported')
  const placed = await http(s.port, 'POST', '/onvif/ptz_service', envelope('<tptz:GetPresets><tptz:ProfileToken>main</tptz:ProfileToken></tptz:GetPresets>', login()))
  t.equal(placed.status, 200)
  const noToken = await http(s.port, 'POST', '/onvif/ptz_service', envelope('<tptz:GotoPreset><tptz:ProfileToken>main</tptz:ProfileToken><tptz:PresetToken>99</tptz:PresetToken></tptz:GotoPreset>', login()))
  t.equal(faultCode(noToken), 'ter:InvalidArgVal', 'an unknown preset token is an ONVIF fault')
  const broken = await http(s.port, 'POST', '/onvif/device_service', '<s:Envelope><s:Body><oops></s:Envelope>')
  t.equal(faultCode(broken), 'ter:WellFormed')
})

t.test('the snapshot needs HTTP Digest and is a JPEG', async (t) => {
  const s = await sim(t)
  const url = '/onvif/snapshot.jpg?profile=main'
  const challenge = await http(s.port, 'GET', url)
  t.equal(challenge.status, 401)
  const params = parseDigestParams(String(challenge.headers['www-authenticate']))
  t.match(params, { qop: 'auth', algorithm: 'MD5' })
  const md5 = (x: string): string => createHash('md5').update(x).digest('hex')
  const answer = (password: string): string => {
    const ha1 = md5(`${s.username}:${params.realm}:${password}`)
    const response = md5(`${ha1}:${params.nonce}:00000001:abcd:auth:${md5(`GET:${url}`)}`)
    return `Digest username="${s.username}", realm="${params.realm}", nonce="${params.nonce}", uri="${url}", qop=auth, nc=00000001, cnonce="abcd", response="${response}", algorithm=MD5`
  }
  const wrong = await http(s.port, 'GET', url, undefined, { Authorization: answer('nope') })
  t.equal(wrong.status, 401)
  const right = await http(s.port, 'GET', url, undefined, { Authorization: answer(s.password) })
  t.equal(right.status, 200)
  t.equal(right.headers['content-type'], 'image/jpeg')
  t.same([...right.body.subarray(0, 3)], [0xff, 0xd8, 0xff])
  t.ok(new DigestGuard('x').challenge(Date.now()).startsWith('Digest realm="x"'))
})

t.test('faults switch at run time: offline closes the port, not-onvif serves HTML, reboot comes back without presets', async (t) => {
  const s = await sim(t)
  await s.setFault('offline')
  t.equal(await portAccepts(s.port), false, 'offline: the port is closed')
  await s.setFault(null)
  t.equal(await portAccepts(s.port), true, 'back: the same port listens again')
  await s.setFault('not-onvif')
  const html = await http(s.port, 'POST', '/onvif/device_service', envelope('<tds:GetSystemDateAndTime/>'))
  t.equal(html.status, 404)
  t.match(html.headers['content-type'], /text\/html/)
  await s.setFault(null)
  t.equal(s.state.presets.length, 2)
  const boot = s.state.bootCount
  const rebooting = s.reboot({ downMs: 200 })
  await rebooting
  t.equal(s.state.bootCount, boot + 1)
  t.same(s.state.presets, [], 'presets lost')
  t.equal(await portAccepts(s.port), true)
})

t.test('WS-Discovery: the responder answers a unicast probe with its device service address', async (t) => {
  const port = await freePort()
  const s = await sim(t, { discovery: { port } })
  const socket = createSocket('udp4')
  t.teardown(() => new Promise<void>((resolve) => socket.close(() => resolve())))
  const reply = new Promise<string>((resolve) => socket.once('message', (msg) => resolve(msg.toString('utf8'))))
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  const probe = '<?xml version="1.0"?><e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" xmlns:w="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">' +
    '<e:Header><w:MessageID>urn:uuid:1234</w:MessageID><w:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</w:Action></e:Header>' +
    '<e:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></e:Body></e:Envelope>'
  socket.send(probe, port, '127.0.0.1')
  const doc = parseXml(await reply)
  t.equal(textOf(doc, 'Header', 'RelatesTo'), 'urn:uuid:1234')
  t.equal(textOf(doc, 'Body', 'ProbeMatches', 'ProbeMatch', 'XAddrs'), s.address)
})

t.test('discover() finds the simulated camera by multicast and survives rogue replies', async (t) => {
  const s = await sim(t, { discovery: true })
  // A rogue device on the LAN answering every probe with junk and half-formed matches: the
  // `onvif` library emits 'error' on a listener-less singleton for these, which would crash.
  const rogue = createSocket({ type: 'udp4', reuseAddr: true })
  t.teardown(() => new Promise<void>((resolve) => rogue.close(() => resolve())))
  rogue.on('message', (_msg, rinfo) => {
    rogue.send('lollipop', rinfo.port, rinfo.address)
    rogue.send('<?xml version="1.0"?><e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><ProbeMatches><ProbeMatch/><ProbeMatch><XAddrs>not a url</XAddrs></ProbeMatch></ProbeMatches></e:Body></e:Envelope>', rinfo.port, rinfo.address)
  })
  await new Promise<void>((resolve) => rogue.bind(3702, resolve))
  let joined = s.discovery?.multicast === true
  try { rogue.addMembership('239.255.255.250') } catch { joined = false }
  const found = await onvifCameraDriver.discover?.({ timeoutMs: 800, log: testLogger() }) ?? []
  t.ok(Array.isArray(found), 'discover() answers with a list, whatever came back')
  if (!joined) {
    t.comment('this host cannot join the WS-Discovery multicast group: only the no-crash part was checked')
    return
  }
  const ours = found.find((d) => d.config.port === s.port)
  t.match(ours, { kind: 'onvif-camera', config: { host: '127.0.0.1', port: s.port } })
  t.match(ours?.description, /PTZ-200/)
})

t.test('discover() answers (empty) rather than throwing when nothing replies', async (t) => {
  const found = await onvifCameraDriver.discover?.({ timeoutMs: 200, log: testLogger() })
  t.ok(Array.isArray(found))
})
