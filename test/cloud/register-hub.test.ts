// The equipment register on a real hub, with gateways as real MQTT clients and the parties'
// webhooks as real local receivers: the register fills from what gateways report, IT edits it
// (audited) and exports it as CSV, it survives a restart; a swapped device is recorded; the room's
// gateway may read its retained `support` message and only the hub may write it; incidents reach
// the failing thing's maintainer, and one nobody acknowledges escalates after the promised response
// time — counted within service hours — on a clock the test moves.
import t from 'tap'
import WebSocket from 'ws'
import { Hub } from '../../cloud/hub.js'
import type { ReadinessMessage, SupportMessage } from '../../protocol/messages.js'
import { testLogger, waitFor, type Teardown } from '../helpers/index.js'
import { connectGateway, getJson, publishJson, statusMsg, subscribeGranted, tokens } from './hub-fixtures.js'
import { hooks, movableClock, PHONES, registerConfig } from './register-fixtures.js'

const ROOM = 'helserom/v1/rodoy-1'

async function startHub (t: Teardown, config: Awaited<ReturnType<typeof registerConfig>>, clock?: () => number): Promise<Hub> {
  const hub = new Hub(config, { logger: testLogger(), ...(clock !== undefined ? { clock } : {}) })
  t.teardown(async () => await hub.stop())
  await hub.start()
  return hub
}

async function send (url: string, method: string, path: string, token: string, body?: unknown): Promise<{ status: number, body: any, headers: Headers, text: string }> {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {})
  })
  const text = await res.text()
  let parsed: unknown = text
  try { parsed = JSON.parse(text) } catch {}
  return { status: res.status, body: parsed, headers: res.headers, text }
}

const oximeter = (serial: string, state: 'ok' | 'down' = 'ok'): Record<string, unknown> => ({
  kind: 'serial-sensor', name: 'Pulsoksymeter', state, reason: null, metrics: {}, info: { vendor: 'Masimo', serial }, ts: Date.now()
})
const host = { kind: 'host', name: 'Gatewayboks', state: 'ok', reason: null, metrics: {}, info: { vendor: 'Raspberry Pi', model: 'Raspberry Pi 5 Model B Rev 1.0', serial: '10000000abcdef' }, ts: Date.now() }

t.test('the register fills from what gateways report, is edited by IT (audited), exported as CSV, and survives a restart', async (t) => {
  const h = await hooks(t)
  const config = await registerConfig(t, h)
  const hub = await startHub(t, config)
  const urls = hub.urls!
  const gw = await connectGateway(t, urls.mqtt, 'rodoy-1')
  await publishJson(gw, `${ROOM}/status`, statusMsg(), true)
  await publishJson(gw, `${ROOM}/devices/spo2-1/health`, oximeter('0000070001'), true)
  await publishJson(gw, `${ROOM}/devices/box-1/health`, host, true)

  const list = async (): Promise<any[]> => (await getJson(`${urls.http}/api/register?room=rodoy-1`, tokens.it)).body.entries
  const entries = await waitFor('the oximeter and the box in the register', async () => {
    const e = await list()
    return e.find((x) => x.id === 'spo2-1')?.serial === '0000070001' && e.find((x) => x.item === 'box')?.model !== null ? e : undefined
  })
  t.same(entries.map((e) => `${e.item}:${e.id}`), ['device:spo2-1', 'network:network', 'box:box'], 'the host device reports into the box, not as a device of its own')
  const oxi = entries.find((e) => e.id === 'spo2-1')
  t.match(oxi, {
    name: 'Pulsoksymeter', deviceKind: 'serial-sensor', vendor: 'Masimo', serial: '0000070001', reported: true,
    owner: { id: 'helgelandssykehuset' }, maintainer: { id: 'mtu' }, responseMinutes: 30, purchased: '2024-05-01',
    contact: { party: 'mtu', name: { nb: 'medisinsk-teknisk avdeling' }, phone: PHONES.mtu },
    calibration: { intervalDays: 365, last: '2026-01-15', dueOn: '2027-01-15' }
  })
  t.match(entries.find((e) => e.item === 'box'), { device: 'box-1', model: 'Raspberry Pi 5 Model B Rev 1.0', serial: '10000000abcdef', owner: { id: 'rodoy-kommune' }, maintainer: { id: 'rodoy-it' }, contact: { phone: PHONES.kommuneIt } })
  t.match(entries.find((e) => e.item === 'network'), { maintainer: { id: 'rodoy-it' }, serviceHours: { 'mon-fri': '08:00-15:30' }, responseMinutes: 120, reported: false })

  // IT edits; others may not; bad input is refused with a reason
  const edited = await send(urls.http, 'PATCH', '/api/register/rodoy-1/devices/spo2-1', tokens.it, { calibration: { last: '2026-03-02' }, notes: 'Avtale MTU-2024-17', expect: { serial: '0000070002' } })
  t.equal(edited.status, 200)
  t.match(edited.body, { calibration: { intervalDays: 365, last: '2026-03-02' }, notes: 'Avtale MTU-2024-17', expect: { serial: '0000070002' }, edited: ['calibration', 'notes'] })
  t.equal((await send(urls.http, 'PATCH', '/api/register/rodoy-1/network', tokens.it, { support: { phone: '+47 911 11 111', webhook: 'https://isp.example/hook/secret-token' } })).status, 200)
  t.equal((await send(urls.http, 'PATCH', '/api/register/rodoy-1/devices/spo2-1', tokens.staff, { notes: 'x' })).status, 403, 'staff may not edit')
  t.equal((await send(urls.http, 'PATCH', '/api/register/rodoy-1/devices/spo2-1', tokens.specialist, { notes: 'x' })).status, 403, 'nor may a specialist')
  const badParty = await send(urls.http, 'PATCH', '/api/register/rodoy-1/devices/spo2-1', tokens.it, { maintainer: 'mtu-nord' })
  t.equal(badParty.status, 400)
  t.match(badParty.body.error.message, /no party "mtu-nord"/)
  t.equal((await send(urls.http, 'PATCH', '/api/register/rodoy-1/devices/spo2-1', tokens.it, { purchased: '2024-02-30' })).status, 400, 'not a date')
  t.equal((await send(urls.http, 'PATCH', '/api/register/nowhere-1/box', tokens.it, { notes: 'x' })).status, 404)
  t.equal((await send(urls.http, 'PATCH', '/api/register/rodoy-1/box', tokens.it, { colour: 'blue' })).status, 400, 'nothing it knows to change')

  const audit = (await getJson(`${urls.http}/api/audit?action=register.edit`, tokens.it)).body.entries
  t.equal(audit.length, 2, 'each edit that took effect is in the audit log; refused ones are not')
  t.match(audit[1], { actor: 'it-vakt', role: 'it', action: 'register.edit', room: 'rodoy-1', device: 'spo2-1', result: 'ok', detail: { item: 'device', id: 'spo2-1', fields: ['calibration', 'notes', 'expect'], before: { notes: null }, after: { notes: 'Avtale MTU-2024-17' } } })
  t.match(audit[0].detail, { item: 'network', after: { support: { phone: '+47 911 11 111', webhook: 'isp.example' } } }, 'a webhook URL is audited by host only')
  t.notMatch(JSON.stringify(audit), /secret-token/)

  // the announced swap is expected; a second one is not
  await publishJson(gw, `${ROOM}/devices/spo2-1/health`, oximeter('0000070002'), true)
  await publishJson(gw, `${ROOM}/devices/spo2-1/health`, oximeter('0000079999'), true)
  const changes = await waitFor('two serial number changes', async () => {
    const c = (await list()).find((x) => x.id === 'spo2-1')?.changes
    return c?.length === 2 ? c : undefined
  })
  t.match(changes, [{ field: 'serial', from: '0000070001', to: '0000070002', expected: true }, { field: 'serial', from: '0000070002', to: '0000079999', expected: false }])
  const swapped = await waitFor('the swaps in the audit log', async () => {
    const e = (await getJson(`${urls.http}/api/audit?action=register.`, tokens.it)).body.entries.filter((x: any) => x.action === 'register.serial-changed')
    return e.length === 2 ? e : undefined
  })
  t.same(swapped.map((e: any) => e.result), ['unexpected', 'expected'])

  const csv = await send(urls.http, 'GET', '/api/register.csv?room=rodoy-1&separator=semicolon', tokens.it)
  t.equal(csv.status, 200)
  t.match(csv.headers.get('content-type'), /^text\/csv; charset=utf-8/)
  t.match(csv.headers.get('content-disposition'), /attachment; filename="helserom-register-rodoy-1-\d{4}-\d{2}-\d{2}\.csv"/)
  const rows = csv.text.replace(/^\uFEFF/, '').trim().split('\r\n')
  t.equal(rows.length, 4, 'a header and three items')
  t.match(rows[1], /^rodoy-1;Helserom Rødøy;device;spo2-1;Pulsoksymeter;serial-sensor;Masimo;;0000079999;/)
  t.match(rows[1], /;helgelandssykehuset;Helgelandssykehuset;mtu;medisinsk-teknisk avdeling;75 12 34 56;/)
  t.equal((await send(urls.http, 'GET', '/api/register.csv', tokens.staff)).status, 403)

  // a restart: reports, edits and changes come back from dataDir
  await hub.stop()
  const again = await startHub(t, config)
  const after = (await getJson(`${again.urls!.http}/api/register?room=rodoy-1`, tokens.it)).body.entries
  t.match(after.find((e: any) => e.id === 'spo2-1'), { serial: '0000079999', vendor: 'Masimo', notes: 'Avtale MTU-2024-17', calibration: { last: '2026-03-02' }, reported: true, changes: [{ to: '0000070002' }, { to: '0000079999' }] })
  t.match(after.find((e: any) => e.item === 'network'), { support: { phone: '+47 911 11 111', webhook: 'isp.example' }, contact: { phone: '+47 911 11 111' } })
  t.match(after.find((e: any) => e.item === 'box'), { serial: '10000000abcdef' })
  const parties = (await getJson(`${again.urls!.http}/api/parties`, tokens.it)).body.parties
  t.match(parties.find((p: any) => p.id === 'mtu'), { phone: PHONES.mtu, notify: ['mtu'], escalateTo: 'sykehus-it', responseMinutes: 30 })
  t.notMatch(JSON.stringify(parties), /127\.0\.0\.1/, 'notification URLs are not shown')
})

t.test('two edits of one entry at once both take effect; a calibration in the future is refused', async (t) => {
  const h = await hooks(t)
  const hub = await startHub(t, await registerConfig(t, h))
  const it = { name: 'it-vakt', role: 'it' }
  // Both start before either has written its audit entry (the write is awaited inside edit()).
  const [a, b] = await Promise.all([
    hub.register.register.edit('rodoy-1', 'device', 'spo2-1', { owner: 'rodoy-kommune' }, it),
    hub.register.register.edit('rodoy-1', 'device', 'spo2-1', { notes: 'Service-avtale 2026' }, it)
  ])
  t.equal(a.owner, 'rodoy-kommune')
  t.match(b, { owner: 'rodoy-kommune', notes: 'Service-avtale 2026' }, 'the second edit saw the first')
  const entry = (await getJson(`${hub.urls!.http}/api/register?room=rodoy-1`, tokens.it)).body.entries.find((e: any) => e.id === 'spo2-1')
  t.match(entry, { owner: { id: 'rodoy-kommune' }, notes: 'Service-avtale 2026', edited: ['notes', 'owner'] }, 'neither edit overwrote the other')
  const audit = (await getJson(`${hub.urls!.http}/api/audit?action=register.edit`, tokens.it)).body.entries.reverse()
  t.match(audit.map((e: any) => e.detail), [
    { fields: ['owner'], before: { owner: 'helgelandssykehuset' }, after: { owner: 'rodoy-kommune' } },
    { fields: ['notes'], before: { notes: null }, after: { notes: 'Service-avtale 2026' } }
  ], 'each audited with what it changed')

  const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10)
  const future = await send(hub.urls!.http, 'PATCH', '/api/register/rodoy-1/devices/spo2-1', tokens.it, { calibration: { last: tomorrow } })
  t.equal(future.status, 400)
  t.match(future.body.error.message, new RegExp(`^calibration: the last calibration ${tomorrow} is in the future \\(today is \\d{4}-\\d{2}-\\d{2}\\): record a calibration once it has been done$`))
  const today = await send(hub.urls!.http, 'PATCH', '/api/register/rodoy-1/devices/spo2-1', tokens.it, { calibration: { last: new Date().toISOString().slice(0, 10) } })
  t.equal(today.status, 200, 'a calibration done today is taken')
})

t.test('the room\'s gateway reads its retained support message; only the hub writes it; staff see whom to call', async (t) => {
  const h = await hooks(t)
  const hub = await startHub(t, await registerConfig(t, h, { calibrationLast: '2020-01-01' }))
  const urls = hub.urls!
  const gw = await connectGateway(t, urls.mqtt, 'rodoy-1')
  await publishJson(gw, `${ROOM}/devices/spo2-1/health`, oximeter('0000070001'), true)
  await waitFor('the oximeter known by name', () => hub.fleet.get('rodoy-1')?.devices['spo2-1']?.name === 'Pulsoksymeter')
  const got: SupportMessage[] = []
  gw.on('message', (topic, payload) => { if (topic === `${ROOM}/support`) got.push(JSON.parse(payload.toString()) as SupportMessage) })
  t.same(await subscribeGranted(gw, [`${ROOM}/support`, 'helserom/v1/donna-1/support']), [1, 128], 'its own support topic, not another room\'s')
  const support = await waitFor('the retained support message', () => got.at(-1)?.reasons[0]?.message.nb.startsWith('Pulsoksymeter') === true ? got.at(-1) : undefined)
  t.match(support.contacts, {
    room: { party: 'rodoy-it', phone: PHONES.kommuneIt, name: { nb: 'kommunens IT' } },
    network: { party: 'rodoy-it', phone: PHONES.kommuneIt },
    box: { party: 'rodoy-it' },
    devices: { 'spo2-1': { party: 'mtu', phone: PHONES.mtu, name: { nb: 'medisinsk-teknisk avdeling' } } }
  })
  t.match(support.reasons, [{ code: 'calibration.overdue', level: 'amber', device: 'spo2-1', message: { nb: /^Pulsoksymeter: kalibrering eller kontroll forfalt 31\.12\.2020 — medisinsk-teknisk avdeling har ansvaret$/ } }])
  t.equal(support.specialist, null)

  const staff = await getJson(`${urls.http}/api/rooms/rodoy-1/support`, tokens.staff)
  t.equal(staff.status, 200)
  t.equal(staff.body.contacts.devices['spo2-1'].phone, PHONES.mtu)
  t.notMatch(JSON.stringify(staff.body), /it-vakt|spesialist|sykepleier/, 'no user names')
  t.equal((await getJson(`${urls.http}/api/rooms/donna-1/support`, tokens.staff)).status, 403, 'staff see only their rooms')

  // the calibration is a low-priority incident of its own, for the maintainer
  await publishJson(gw, `${ROOM}/status`, statusMsg(), true)
  const incident = await waitFor('the calibration incident', () => hub.incidents.engine.list({ state: 'active' }).find((i) => i.cause === 'device.calibration:spo2-1'))
  t.match(incident, { rule: 'calibration', severity: 'info', device: 'spo2-1' })
  const told = await waitFor('the medical-technical department told', () => h.mtu.events('opened', 'device.calibration:spo2-1')[0])
  t.match(told.incident.title.nb, /^Helserom Rødøy: .* skulle vært kalibrert eller kontrollert$/)
  t.equal(h.kommuneIt.events('opened').length, 0, 'the municipality\'s IT is not bothered with it')
  // the gateway echoes the reason in its readiness: it is not a readiness incident as well
  const amber: ReadinessMessage = { level: 'amber', profile: 'ortopedi', session: { id: 'c-1', start: Date.now() + 20 * 60_000, minutes: 30, profile: 'ortopedi' }, reasons: support.reasons, ts: Date.now() }
  await publishJson(gw, `${ROOM}/readiness`, amber, true)
  await waitFor('the readiness seen', () => hub.fleet.get('rodoy-1')?.readiness?.level === 'amber')
  hub.incidents.engine.tick()
  t.notOk(hub.incidents.engine.list({ state: 'active' }).some((i) => i.cause === 'readiness'), 'one fault, one incident')

  // a gateway may not publish what the hub publishes
  const closed = new Promise<void>((resolve) => gw.once('close', () => resolve()))
  gw.publish(`${ROOM}/support`, JSON.stringify(support), { qos: 0, retain: true })
  await closed
  t.pass('publishing support closed the gateway\'s connection')
})

/** A /ws client of `token` that sends `subscribe` and waits for its snapshot (or error). */
async function subscribed (t: Teardown, url: string, token: string, subscribe: Record<string, unknown>): Promise<{ ws: WebSocket, messages: any[] }> {
  const ws = new WebSocket(`${url}?token=${token}`)
  t.teardown(() => ws.terminate())
  const messages: any[] = []
  ws.on('message', (data) => messages.push(JSON.parse(data.toString())))
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject) })
  ws.send(JSON.stringify({ type: 'subscribe', ...subscribe }))
  await waitFor('the answer to subscribe', () => messages.some((m) => m.type === 'snapshot' || m.type === 'error'))
  return { ws, messages }
}

t.test('only the consultation console makes the specialist present; a fleet page subscribed to every room does not', async (t) => {
  const h = await hooks(t)
  const hub = await startHub(t, await registerConfig(t, h))
  const urls = hub.urls!
  await hub.publishSchedule('rodoy-1', [{ id: 'c-1', start: Date.now() + 5 * 60_000, minutes: 30, profile: 'ortopedi' }])
  await waitFor('the schedule at the hub', () => hub.fleet.get('rodoy-1')?.schedule?.length === 1)
  const specialist = async (): Promise<unknown> => (await getJson(`${urls.http}/api/rooms/rodoy-1/support`, tokens.specialist)).body.specialist

  const fleetPage = await subscribed(t, urls.ws, tokens.specialist, { rooms: ['*'] })
  t.ok(fleetPage.messages.some((m) => m.type === 'snapshot'), 'the fleet page is subscribed to every room it may see')
  t.equal(await specialist(), null, 'and is no presence')
  const refused = await subscribed(t, urls.ws, tokens.specialist, { rooms: ['*'], console: true })
  t.match(refused.messages.find((m) => m.type === 'error')?.error, { code: 'bad_request', message: /named rooms/ }, 'a console is the console of named rooms')
  t.equal(await specialist(), null)

  const consolePage = await subscribed(t, urls.ws, tokens.specialist, { rooms: ['rodoy-1'], console: true })
  t.same(await waitFor('the specialist ready', async () => await specialist() ?? undefined), { consultation: 'c-1', state: 'ready' }, 'the console opened: ready')
  consolePage.ws.close()
  await waitFor('the specialist gone again', async () => await specialist() === null)
  t.pass('the console closed: no longer ready (the fleet page still open)')
})

t.test('an incident reaches its maintainer, and escalates when nobody acknowledges it within the response time', async (t) => {
  const h = await hooks(t)
  // Friday 27 November 2026, 15:00 in Oslo
  const clock = movableClock(Date.parse('2026-11-27T14:00:00Z'))
  const hub = await startHub(t, await registerConfig(t, h), clock.now)
  const urls = hub.urls!
  const gw = await connectGateway(t, urls.mqtt, 'rodoy-1')
  await publishJson(gw, `${ROOM}/status`, statusMsg(), true)
  await publishJson(gw, `${ROOM}/devices/spo2-1/health`, oximeter('0000070001', 'down'), true)
  await waitFor('the oximeter known by name', () => hub.fleet.get('rodoy-1')?.devices['spo2-1']?.name === 'Pulsoksymeter')
  const red = (reasons: ReadinessMessage['reasons']): ReadinessMessage => ({ level: 'red', profile: 'ortopedi', session: null, reasons, ts: Date.now() })
  await publishJson(gw, `${ROOM}/readiness`, red([
    { code: 'serial.no-data', level: 'red', device: 'spo2-1', message: { nb: 'Pulsoksymeter sender ikke data', en: 'Pulsoksymeter sends no data' } },
    { code: 'network.bandwidth-up', level: 'red', message: { nb: 'For lite båndbredde ut', en: 'Not enough upload bandwidth' } }
  ]), true)

  const opened = await waitFor('the oximeter fault at the medical-technical department', () => h.mtu.events('opened', 'device.down:spo2-1')[0])
  t.match(opened.incident, { room: 'rodoy-1', device: 'spo2-1', deviceName: 'Pulsoksymeter' })
  await waitFor('the network fault at the municipality\'s IT', () => h.kommuneIt.events('opened', 'network.bandwidth-up')[0])
  await waitFor('both at IT on duty (the configured target)', () => h.itVakt.events('opened').length === 2)
  t.equal(h.mtu.events('opened', 'network.bandwidth-up').length, 0, 'the network is not the medical-technical department\'s')
  t.equal(h.kommuneIt.events('opened', 'device.down:spo2-1').length, 0, 'nor the oximeter the municipality\'s')
  t.equal(h.sykehusIt.received.length, 0, 'nothing escalated yet')

  // 29 minutes: within the medical-technical department's 30
  clock.advance(29 * 60_000)
  hub.incidents.engine.tick()
  await hub.incidents.notifier.idle()
  t.equal(h.sykehusIt.received.length, 0)
  clock.advance(2 * 60_000)
  hub.incidents.engine.tick()
  const overdue = await waitFor('the escalation at the hospital\'s IT', () => h.sykehusIt.events('overdue', 'device.down:spo2-1')[0])
  t.equal(overdue.incident.device, 'spo2-1')
  await waitFor('and at the maintainer and IT on duty', () => h.mtu.events('overdue').length === 1 && h.itVakt.events('overdue').length === 1)
  const escalated = hub.incidents.engine.list({ state: 'active' }).find((i) => i.cause === 'device.down:spo2-1')
  t.ok(escalated?.overdueAt !== null && escalated?.overdueAt !== undefined, 'the incident says when it was escalated')
  hub.incidents.engine.tick()
  await hub.incidents.notifier.idle()
  t.equal(h.sykehusIt.events('overdue').length, 1, 'escalated once')

  // the network's 120 minutes count only weekdays 08:00–15:30: 30 on Friday, 90 from Monday 08:00
  t.equal(h.kommuneIt.events('overdue').length, 0, 'Friday 15:31: not overdue')
  clock.advance(2 * 24 * 60 * 60_000 + 17 * 60 * 60_000) // Monday 08:31
  hub.incidents.engine.tick()
  await hub.incidents.notifier.idle()
  t.equal(h.kommuneIt.events('overdue').length, 0, 'Monday 08:31: the weekend did not count')
  clock.advance(60 * 60_000) // Monday 09:31
  hub.incidents.engine.tick()
  await waitFor('the network incident overdue on Monday at 09:30', () => h.kommuneIt.events('overdue', 'network.bandwidth-up')[0])

  const audit = (await getJson(`${urls.http}/api/audit?action=incident.overdue`, tokens.it)).body.entries
  t.same(audit.map((e: any) => e.detail.cause).sort(), ['device.down:spo2-1', 'network.bandwidth-up'])

  // acknowledged and resolved: those told hear of it, the escalation party included
  const id = escalated!.id
  t.equal((await send(urls.http, 'POST', `/api/incidents/${id}/ack`, tokens.it, {})).status, 200)
  await waitFor('the acknowledgement at the hospital\'s IT', () => h.sykehusIt.events('acknowledged')[0])
  await waitFor('and at the maintainer', () => h.mtu.events('acknowledged')[0])
})
