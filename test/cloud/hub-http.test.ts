// The hub's HTTP surface on a real hub: bearer auth on every /api route, the error shape, body
// limits, docs, health, and the /ws live socket with real WebSocket clients.
import t from 'tap'
import WebSocket from 'ws'
import type { Hub } from '../../cloud/hub.js'
import { waitFor, type Teardown } from '../helpers/index.js'
import { connectGateway, getJson, healthMsg, publishJson, readingMsg, readinessMsg, startTestHub, statusMsg, testConfig, tokens } from './hub-fixtures.js'

interface LiveMessage { type: string, [k: string]: any }

/** A WebSocket client that keeps every message and can wait for one. */
async function liveClient (t: Teardown, url: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket, messages: LiveMessage[], next: (what: string, match: (m: LiveMessage) => boolean) => Promise<LiveMessage>, closed: Promise<number> }> {
  const ws = new WebSocket(url, { headers })
  t.teardown(() => ws.terminate())
  const messages: LiveMessage[] = []
  ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as LiveMessage))
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject) })
  const next = async (what: string, match: (m: LiveMessage) => boolean): Promise<LiveMessage> => await waitFor(what, () => messages.find(match), { timeoutMs: 5000 })
  return { ws, messages, next, closed }
}

async function apiRoutes (hub: Hub): Promise<Array<{ method: string, path: string }>> {
  const { body } = await getJson(`${hub.urls!.http}/docs/json`)
  const routes: Array<{ method: string, path: string }> = []
  for (const [path, ops] of Object.entries(body.paths as Record<string, Record<string, unknown>>)) {
    if (!path.startsWith('/api')) continue
    for (const method of Object.keys(ops)) routes.push({ method: method.toUpperCase(), path: path.replace('{room}', 'rodoy-1') })
  }
  return routes
}

t.test('every /api route needs a token (401) and the right role (403)', async (t) => {
  const hub = await startTestHub(t)
  const app = await hub.app()
  const routes = await apiRoutes(hub)
  t.ok(routes.length >= 3, `found the /api routes in the OpenAPI document: ${routes.map((r) => `${r.method} ${r.path}`).join(', ')}`)
  for (const { method, path } of routes) {
    const none = await app.inject({ method: method as 'GET', url: path })
    t.equal(none.statusCode, 401, `${method} ${path} without a token`)
    t.same(none.json(), { error: { code: 'unauthorized', message: 'this needs a bearer token (Authorization: Bearer <token>)' } })
    t.match(none.headers['www-authenticate'], /^Bearer/)
    const bad = await app.inject({ method: method as 'GET', url: path, headers: { authorization: 'Bearer not-a-token' } })
    t.equal(bad.statusCode, 401, `${method} ${path} with an unknown token`)
    t.equal(bad.json().error.code, 'unauthorized')
    const malformed = await app.inject({ method: method as 'GET', url: path, headers: { authorization: 'Basic abc' } })
    t.equal(malformed.statusCode, 401, `${method} ${path} with a Basic header`)
  }
  // an encoded path reaches the same route and the same check
  t.equal((await app.inject({ method: 'GET', url: '/%61pi/rooms' })).statusCode, 401)

  const forbidden = await app.inject({ method: 'PUT', url: '/api/rooms/rodoy-1/schedule', headers: { authorization: `Bearer ${tokens.staff}` }, payload: [] })
  t.equal(forbidden.statusCode, 403, 'staff may not set a schedule')
  t.same(forbidden.json(), { error: { code: 'forbidden', message: 'the staff role may not use PUT /api/rooms/:room/schedule' } })
  const specialist = await app.inject({ method: 'PUT', url: '/api/rooms/rodoy-1/schedule', headers: { authorization: `Bearer ${tokens.specialist}` }, payload: [] })
  t.equal(specialist.statusCode, 403, 'nor may a specialist')
  const otherRoom = await app.inject({ method: 'GET', url: '/api/rooms/donna-1', headers: { authorization: `Bearer ${tokens.specialist}` } })
  t.equal(otherRoom.statusCode, 403, 'a room the specialist does not have')
  t.equal(otherRoom.json().error.code, 'forbidden')
  t.equal(await hub.metrics.value('helserom_hub_auth_denied_total', { surface: 'http' }), routes.length * 3 + 1 + 2)
  t.ok(await hub.metrics.value('helserom_hub_http_errors_total', { status: '401' }) >= routes.length * 3)
})

t.test('rooms: unknown is 404, each role sees its view', async (t) => {
  const hub = await startTestHub(t)
  const gw = await connectGateway(t, hub.urls!.mqtt, 'rodoy-1')
  await publishJson(gw, 'helserom/v1/rodoy-1/status', statusMsg(), true)
  await publishJson(gw, 'helserom/v1/rodoy-1/readiness', readinessMsg('green'), true)
  await publishJson(gw, 'helserom/v1/rodoy-1/devices/spo2-1/health', { ...healthMsg('ok'), kind: 'serial-sensor', name: 'Pulsoksymeter' }, true)
  await publishJson(gw, 'helserom/v1/rodoy-1/devices/spo2-1/readings', readingMsg(0))
  await waitFor('the reading at the hub', () => hub.fleet.get('rodoy-1')?.devices['spo2-1']?.lastReading)
  const base = hub.urls!.http

  const missing = await getJson(`${base}/api/rooms/bodo-9`, tokens.it)
  t.equal(missing.status, 404)
  t.same(missing.body, { error: { code: 'not_found', message: 'room "bodo-9" is not configured at this hub' } })
  const noRoute = await getJson(`${base}/api/nothing-here`, tokens.it)
  t.equal(noRoute.status, 404)
  t.equal(noRoute.body.error.code, 'not_found')

  const it = await getJson(`${base}/api/rooms/rodoy-1`, tokens.it)
  t.equal(it.body.devices['spo2-1'].name, 'Pulsoksymeter')
  t.same(it.body.devices['spo2-1'].lastReading.values, { spo2: 97, pulse: 72 }, 'it sees readings')
  const specialist = await getJson(`${base}/api/rooms/rodoy-1`, tokens.specialist)
  t.equal(specialist.body.devices['spo2-1'].lastReading.seq, 0, 'the specialist sees readings')
  const staff = await getJson(`${base}/api/rooms/rodoy-1`, tokens.staff)
  t.equal(staff.status, 200)
  t.same(Object.keys(staff.body).sort(), ['lastSeen', 'name', 'online', 'onlineSince', 'readiness', 'room', 'site'], 'staff see online and readiness only')
  const staffList = await getJson(`${base}/api/rooms`, tokens.staff)
  t.same(staffList.body.rooms.map((r: { room: string }) => r.room), ['rodoy-1'], 'staff list only their rooms')
  const itList = await getJson(`${base}/api/rooms`, tokens.it)
  t.same(itList.body.rooms.map((r: { room: string }) => r.room).sort(), ['donna-1', 'rodoy-1'])
  const listed = itList.body.rooms.find((r: { room: string }) => r.room === 'rodoy-1')
  t.equal(listed.devices['spo2-1'].name, 'Pulsoksymeter', 'the list shows the devices')
  t.notOk('lastReading' in listed.devices['spo2-1'], 'but no reading: the list is not audited, only GET /api/rooms/:room is')
  const specialistList = await getJson(`${base}/api/rooms`, tokens.specialist)
  t.notOk('lastReading' in specialistList.body.rooms[0].devices['spo2-1'], 'for a specialist neither')
})

t.test('a schedule can be set through the API, and bodies are bounded', async (t) => {
  const config = await testConfig(t)
  const hub = await startTestHub(t, { ...config, http: { ...config.http, bodyLimit: 64 * 1024 } })
  const app = await hub.app()
  const auth = { authorization: `Bearer ${tokens.it}` }
  const schedule = [{ id: 'c-2', start: Date.now() + 7_200_000, minutes: 45, profile: 'ortopedi' }, { id: 'c-1', start: Date.now() + 3_600_000, minutes: 30, profile: 'ortopedi' }]
  const ok = await app.inject({ method: 'PUT', url: '/api/rooms/rodoy-1/schedule', headers: auth, payload: schedule })
  t.equal(ok.statusCode, 200)
  t.same(ok.json().schedule.map((c: { id: string }) => c.id), ['c-1', 'c-2'], 'sorted by start')
  await waitFor('the schedule in the fleet', () => hub.fleet.get('rodoy-1')?.schedule?.length === 2)

  const invalid = await app.inject({ method: 'PUT', url: '/api/rooms/rodoy-1/schedule', headers: auth, payload: [{ id: 'x' }] })
  t.equal(invalid.statusCode, 400)
  t.equal(invalid.json().error.code, 'bad_request')
  t.match(invalid.json().error.message, /required property/)

  const huge = JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ id: `c-${i}`, start: Date.now(), minutes: 30, profile: 'ortopedi', title: 'x'.repeat(100) })))
  const res = await fetch(`${hub.urls!.http}/api/rooms/rodoy-1/schedule`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: huge })
  t.equal(res.status, 413, `a ${huge.length} byte body is refused`)
  t.same(await res.json(), { error: { code: 'payload_too_large', message: 'request body is too large' } })
  const anonymous = await fetch(`${hub.urls!.http}/api/rooms/rodoy-1/schedule`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: huge })
  t.equal(anonymous.status, 401, 'without a token the body is not even read')
  t.equal(hub.fleet.get('rodoy-1')?.schedule?.length, 2, 'the schedule is unchanged')
  const health = await getJson(`${hub.urls!.http}/healthz`)
  t.equal(health.status, 200, 'the hub is still fine')
})

t.test('healthz, metrics and docs need no token', async (t) => {
  const hub = await startTestHub(t)
  const base = hub.urls!.http
  const health = await getJson(`${base}/healthz`)
  t.equal(health.status, 200)
  t.equal(health.body.status, 'ok')
  t.same(health.body.broker, { mode: 'embedded', connected: true, clients: 0, lastError: null })
  t.equal(health.body.store, null)
  t.same(health.body.rooms, { configured: 2, online: 0 })
  const metrics = await fetch(`${base}/metrics`)
  t.equal(metrics.status, 200)
  const text = await metrics.text()
  t.match(text, /# TYPE helserom_hub_messages_rejected_total counter/)
  t.match(text, /helserom_hub_rooms_configured 2/)
  t.match(text, /helserom_hub_broker_connected 1/)
  const docs = await fetch(`${base}/docs`, { redirect: 'follow' })
  t.equal(docs.status, 200)
  t.match(await docs.text(), /swagger/i)
  const spec = await getJson(`${base}/docs/json`)
  t.equal(spec.body.openapi, '3.0.3')
  t.ok(spec.body.paths['/api/rooms/{room}'].get.responses['404'], 'the 404 response is documented')
  t.same(spec.body.paths['/api/rooms'].get.security, [{ bearer: [] }])
  t.notOk(spec.body.paths['/ws'], 'the WebSocket is described in prose, not as a GET')
})

t.test('WebSocket: snapshot, then changes; readings only for specialist and it', async (t) => {
  const hub = await startTestHub(t)
  const gw = await connectGateway(t, hub.urls!.mqtt, 'rodoy-1')
  await publishJson(gw, 'helserom/v1/rodoy-1/readiness', readinessMsg('green'), true)
  await waitFor('first readiness', () => hub.fleet.get('rodoy-1')?.readiness)

  const specialist = await liveClient(t, `${hub.urls!.ws}?token=${tokens.specialist}`)
  await specialist.next('hello', (m) => m.type === 'hello')
  specialist.ws.send(JSON.stringify({ type: 'subscribe', rooms: ['*'] }))
  const snapshot = await specialist.next('snapshot', (m) => m.type === 'snapshot')
  t.same(snapshot.rooms.map((r: { room: string }) => r.room), ['rodoy-1'], 'the specialist\'s rooms only')
  t.equal(snapshot.rooms[0].readiness.level, 'green')

  const staff = await liveClient(t, hub.urls!.ws)
  staff.ws.send(JSON.stringify({ type: 'auth', token: tokens.staff }))
  t.same((await staff.next('hello', (m) => m.type === 'hello')).user, { name: 'sykepleier-1', role: 'staff' })
  staff.ws.send(JSON.stringify({ type: 'subscribe', rooms: ['rodoy-1', 'donna-1', 'bodo-9'] }))
  await staff.next('snapshot', (m) => m.type === 'snapshot')
  t.same(staff.messages.filter((m) => m.type === 'error').map((m) => m.error.code), ['forbidden', 'not_found'])

  const it = await liveClient(t, hub.urls!.ws, { authorization: `Bearer ${tokens.it}` })
  await it.next('hello', (m) => m.type === 'hello')
  it.ws.send(JSON.stringify({ type: 'subscribe', rooms: ['donna-1'] }))
  await it.next('snapshot', (m) => m.type === 'snapshot')

  const sentAt = Date.now()
  // the room's gateway clock is an hour behind: the age of a value comes from the hub's clock
  await publishJson(gw, 'helserom/v1/rodoy-1/devices/spo2-1/readings', readingMsg(7, 'boot-1', { ts: sentAt - 3_600_000 }))
  await publishJson(gw, 'helserom/v1/rodoy-1/readiness', readinessMsg('red'), true)
  const reading = await specialist.next('the live reading', (m) => m.type === 'reading')
  t.equal(reading.reading.seq, 7)
  t.equal(reading.reading.ts, sentAt - 3_600_000, 'relayed as the gateway sent it')
  t.ok(reading.receivedAt >= sentAt && reading.receivedAt <= Date.now(), 'with the time the hub received it (hub clock)')
  await publishJson(gw, 'helserom/v1/rodoy-1/devices/spo2-1/health', healthMsg(), true)
  const deviceChange = await specialist.next('the device change', (m) => m.type === 'room' && m.part === 'device')
  t.ok(deviceChange.state.devices['spo2-1'] !== undefined && !('lastReading' in deviceChange.state.devices['spo2-1']), 'a room change carries no reading')
  specialist.ws.send(JSON.stringify({ type: 'subscribe', rooms: ['rodoy-1'] }))
  const again = await specialist.next('a second snapshot', (m) => m.type === 'snapshot' && m !== snapshot)
  t.notOk('lastReading' in again.rooms[0].devices['spo2-1'], 'nor does a snapshot: readings come only as they arrive')
  const change = await specialist.next('the change', (m) => m.type === 'room' && m.part === 'readiness')
  t.equal(change.state.readiness.level, 'red')
  const staffChange = await staff.next('the staff change', (m) => m.type === 'room' && m.part === 'readiness')
  t.same(Object.keys(staffChange.state).sort(), ['lastSeen', 'name', 'online', 'onlineSince', 'readiness', 'room', 'site'])
  t.notOk(staff.messages.some((m) => m.type === 'reading'), 'staff got no reading (it was sent before the change)')
  t.notOk(staff.messages.some((m) => m.type === 'room' && m.part === 'device'), 'nor device changes')
  t.notOk(it.messages.some((m) => m.type === 'room' || m.type === 'reading'), 'a client subscribed to another room gets nothing of this one')

  specialist.ws.send('not json')
  t.equal((await specialist.next('an error', (m) => m.type === 'error' && m.error.code === 'bad_request')).type, 'error')
  specialist.ws.send(JSON.stringify({ type: 'ping' }))
  await specialist.next('pong', (m) => m.type === 'pong')
})

t.test('WebSocket: bad tokens are refused', async (t) => {
  const hub = await startTestHub(t, undefined, { wsAuthTimeoutMs: 200 })
  const refused = await new Promise<number>((resolve) => {
    const ws = new WebSocket(`${hub.urls!.ws}?token=wrong`)
    ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate() })
    ws.on('error', () => {})
  })
  t.equal(refused, 401, 'an invalid ?token= is refused before the upgrade')
  const bad = await liveClient(t, hub.urls!.ws)
  bad.ws.send(JSON.stringify({ type: 'auth', token: 'wrong' }))
  t.equal(await bad.closed, 4401)
  const silent = await liveClient(t, hub.urls!.ws)
  t.equal(await silent.closed, 4401, 'a client that never authenticates is closed')
  const early = await liveClient(t, hub.urls!.ws, {})
  early.ws.send(JSON.stringify({ type: 'subscribe', rooms: ['*'] }))
  t.equal((await early.next('an error', (m) => m.type === 'error')).error.code, 'unauthorized')
  t.equal(await hub.metrics.value('helserom_hub_auth_denied_total', { surface: 'http', reason: 'bad-token' }), 1, 'the refused upgrade')
  t.equal(await hub.metrics.value('helserom_hub_auth_denied_total', { surface: 'ws', reason: 'bad-token' }), 1, 'the bad auth message')
  t.ok(await hub.metrics.value('helserom_hub_auth_denied_total', { surface: 'ws', reason: 'timeout' }) >= 1, 'the silent client')
})

t.test('WebSocket: a client that does not read is dropped and never delays the others', async (t) => {
  const config = await testConfig(t)
  const hub = await startTestHub(t, { ...config, http: { ...config.http, wsMaxBufferedBytes: 16 * 1024 } })
  const app = await hub.app()
  const slow = await liveClient(t, `${hub.urls!.ws}?token=${tokens.it}`)
  const fast = await liveClient(t, `${hub.urls!.ws}?token=${tokens.it}`)
  for (const c of [slow, fast]) {
    c.ws.send(JSON.stringify({ type: 'subscribe', rooms: ['rodoy-1'] }))
    await c.next('snapshot', (m) => m.type === 'snapshot')
  }
  ;(slow.ws as unknown as { _socket: { pause: () => void } })._socket.pause() // stops reading: the kernel buffers fill, then the hub's
  const big = Array.from({ length: 900 }, (_, i) => ({ id: `c-${i}`, start: Date.now() + i * 60_000, minutes: 30, profile: 'ortopedi', title: 'x'.repeat(80) }))
  let puts = 0
  await waitFor('the slow client to be dropped', async () => {
    big[0]!.id = `c-first-${puts++}`
    const res = await app.inject({ method: 'PUT', url: '/api/rooms/rodoy-1/schedule', headers: { authorization: `Bearer ${tokens.it}` }, payload: big })
    t.equal(res.statusCode, 200)
    return await hub.metrics.value('helserom_hub_ws_dropped_total', { what: 'client' }) >= 1
  }, { timeoutMs: 60_000, intervalMs: 1 })
  await waitFor('the fast client to see the last schedule', () => fast.messages.some((m) => m.type === 'room' && m.state.schedule?.[0]?.id === `c-first-${puts - 1}`), { timeoutMs: 10_000 })
  t.pass(`after ${puts} schedules of ${JSON.stringify(big).length} bytes the slow client was dropped, the fast one got every change`)
  t.equal(fast.messages.filter((m) => m.type === 'room' && m.part === 'schedule').length, puts)
})

t.test('WebSocket: readings to a client that does not keep up are thinned out; a fast client gets every one', async (t) => {
  const config = await testConfig(t)
  const hub = await startTestHub(t, { ...config, http: { ...config.http, wsMaxBufferedBytes: 256 * 1024 } })
  const gw = await connectGateway(t, hub.urls!.mqtt, 'rodoy-1')
  const slow = await liveClient(t, `${hub.urls!.ws}?token=${tokens.it}`)
  const fast = await liveClient(t, `${hub.urls!.ws}?token=${tokens.it}`)
  for (const c of [slow, fast]) {
    c.ws.send(JSON.stringify({ type: 'subscribe', rooms: ['rodoy-1'] }))
    await c.next('snapshot', (m) => m.type === 'snapshot')
  }
  const socketOf = (c: typeof slow): { pause: () => void, resume: () => void } => (c.ws as unknown as { _socket: { pause: () => void, resume: () => void } })._socket
  socketOf(slow).pause() // stops reading: the kernel buffers fill, then the hub's
  // ~50 kB readings (a waveform's worth), so that the buffers fill after a few dozen
  const values: Record<string, string> = {}
  for (let i = 0; i < 100; i++) values[`w${i}`] = 'x'.repeat(500)
  let seq = 0
  await waitFor('readings to the slow client skipped', async () => {
    for (let i = 0; i < 10; i++) await publishJson(gw, 'helserom/v1/rodoy-1/devices/wave-1/readings', readingMsg(seq++, 'boot-1', { values, units: {} }))
    return await hub.metrics.value('helserom_hub_ws_dropped_total', { what: 'reading' }) >= 1
  }, { timeoutMs: 60_000, intervalMs: 1 })
  const sent = seq
  await waitFor('every reading at the fast client', () => fast.messages.filter((m) => m.type === 'reading').length === sent, { timeoutMs: 20_000 })
  t.same(fast.messages.filter((m) => m.type === 'reading').map((m) => m.reading.seq), Array.from({ length: sent }, (_, i) => i), 'the fast client got each one, in order')

  socketOf(slow).resume()
  const pong = slow.messages.length
  slow.ws.send(JSON.stringify({ type: 'ping' }))
  await waitFor('the slow client caught up', () => slow.messages.slice(pong).some((m) => m.type === 'pong'), { timeoutMs: 20_000 })
  const got = slow.messages.filter((m) => m.type === 'reading').length
  t.ok(got > 0 && got < sent, `the slow client got ${got} of ${sent} readings: thinned out, not cut off`)
  t.equal(slow.ws.readyState, WebSocket.OPEN, 'and it is still connected')
  t.equal(await hub.metrics.value('helserom_hub_ws_dropped_total', { what: 'client' }), 0, 'nobody was dropped')
})

t.test('WebSocket: a client that stops answering pings is closed', async (t) => {
  const config = await testConfig(t)
  const hub = await startTestHub(t, { ...config, http: { ...config.http, wsPingSeconds: 1 } })
  const quiet = await liveClient(t, `${hub.urls!.ws}?token=${tokens.it}`)
  const lively = await liveClient(t, `${hub.urls!.ws}?token=${tokens.it}`)
  await quiet.next('hello', (m) => m.type === 'hello')
  ;(quiet.ws as unknown as { _socket: { pause: () => void } })._socket.pause() // it no longer reads, so never answers a ping
  await waitFor('the quiet client to be dropped', async () => await hub.metrics.value('helserom_hub_ws_dropped_total', { what: 'timeout' }) >= 1, { timeoutMs: 15_000 })
  t.equal(lively.ws.readyState, WebSocket.OPEN, 'a client that answers stays')
  // The dropped socket's close event lands a moment after the drop is counted.
  await waitFor('one client left', async () => await hub.metrics.value('helserom_hub_ws_clients') === 1)
  t.equal(lively.ws.readyState, WebSocket.OPEN, 'and still stays')
})
