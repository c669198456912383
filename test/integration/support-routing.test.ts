// Support routing end to end over real MQTT on loopback: a real gateway with the real pulse-oximeter
// driver reading its simulator, a real hub with an equipment register, and the support parties'
// webhooks as real local receivers (node:http). An oximeter fault reaches the medical-technical
// department with its number on the light; a network fault reaches the municipality's IT with
// theirs; an overdue calibration turns the room amber; the specialist's presence shows in
// readiness; and the register holds what the driver read from the device, across a hub restart.
import t, { type Test } from 'tap'
import WebSocket from 'ws'
import { Hub } from '../../cloud/hub.js'
import { lightView } from '../../dashboards/light/model.js'
import { startSerialSensorSimulator } from '../../drivers/serial-sensor/simulator.js'
import { driverFactories } from '../../drivers/registry.js'
import type { Gateway } from '../../gateway/gateway.js'
import type { ReadinessMessage } from '../../protocol/messages.js'
import { testLogger, waitFor } from '../helpers/index.js'
import { getJson, passwords, tokens } from '../cloud/hub-fixtures.js'
import { hooks, PHONES, registerConfig, type Hooks } from '../cloud/register-fixtures.js'
import { roomConfig, startGateway } from '../gateway/room-fixture.js'

const net = { rttMs: 10, jitterMs: 1, lossPct: 0, upMbps: 50, downMbps: 50, ifaceUtilPct: 1 }
/** The room config's own number: what the light showed before the hub named the maintainers. */
const ROOM_SUPPORT_PHONE = '75 99 99 99'
const SERIAL = '0000071234'
const MIN = 60_000

interface Rig {
  hub: Hub
  gateway: Gateway
  oximeter: Awaited<ReturnType<typeof startSerialSensorSimulator>>
  h: Hooks
  config: Awaited<ReturnType<typeof registerConfig>>
}

async function setup (t: Test, over: Parameters<typeof registerConfig>[2] = {}): Promise<Rig> {
  const h = await hooks(t)
  const config = await registerConfig(t, h, over)
  const hub = new Hub(config, { logger: testLogger() })
  t.teardown(async () => await hub.stop())
  await hub.start()
  const oximeter = await startSerialSensorSimulator({ tcpPort: 0, intervalMs: 100, serialNumber: SERIAL })
  t.teardown(async () => await oximeter.stop())
  const gateway = await startGateway(t, roomConfig(t, {
    room: 'rodoy-1',
    hub: { url: hub.urls!.mqtt, username: 'rodoy-1', password: passwords['rodoy-1'] },
    support: { phone: ROOM_SUPPORT_PHONE, name: { nb: 'IT-support', en: 'IT support' } },
    devices: [{ id: 'spo2-1', name: 'Pulsoksymeter', kind: 'serial-sensor', ...oximeter.deviceConfig, expectedIntervalMs: 100 }],
    profiles: { ortopedi: { label: { nb: 'Ortopedi', en: 'Orthopaedics' }, requires: ['spo2-1'] } },
    // the test sets the network itself, and no pre-session check runs in between
    network: { enabled: false },
    check: { enabled: false }
  }), driverFactories)
  gateway.setNetwork({ ...net, ts: Date.now() })
  return { hub, gateway, oximeter, h, config }
}

async function readiness (gateway: Gateway, what: string, match: (r: ReadinessMessage) => boolean): Promise<ReadinessMessage> {
  return await waitFor(what, () => gateway.readiness !== null && match(gateway.readiness) ? gateway.readiness : undefined, { timeoutMs: 20_000 })
}

async function schedule (hub: Hub, startInMs: number): Promise<void> {
  await hub.publishSchedule('rodoy-1', [{ id: 'c-1', start: Date.now() + startInMs, minutes: 30, profile: 'ortopedi' }])
}

t.test('an oximeter fault reaches the medical-technical department, with its number on the light; the register holds what the driver read', async (t) => {
  const { hub, gateway, oximeter, h, config } = await setup(t)
  const green = await readiness(gateway, 'green with the hub\'s contacts', (r) => r.level === 'green')
  t.equal(green.summary?.nb, 'Rommet er klart')
  const entry = await waitFor('the oximeter\'s serial number in the register', async () => {
    const e = (await getJson(`${hub.urls!.http}/api/register?room=rodoy-1&item=device`, tokens.it)).body.entries[0]
    return e?.serial === SERIAL ? e : undefined
  }, { timeoutMs: 20_000 })
  t.match(entry, { id: 'spo2-1', name: 'Pulsoksymeter', deviceKind: 'serial-sensor', vendor: 'Masimo', serial: SERIAL, reported: true, maintainer: { id: 'mtu' } }, 'vendor and serial number as the oximeter\'s lines give them')

  await oximeter.stop() // the oximeter is switched off
  const red = await readiness(gateway, 'red with the maintainer\'s number', (r) => r.level === 'red' && r.summary?.nb.includes(PHONES.mtu) === true)
  t.match(red.summary?.nb, /Pulsoksymeter.*, ring medisinsk-teknisk avdeling på 75 12 34 56$/)
  t.match(red.summary?.en, /, call the medical-technical department on 75 12 34 56$/)
  t.notMatch(red.summary?.nb, new RegExp(ROOM_SUPPORT_PHONE), 'not the room\'s general number')
  const light = lightView({
    source: 'gateway', readiness: red, roomName: 'Helserom Test', timezone: 'Europe/Oslo', supportPhone: ROOM_SUPPORT_PHONE,
    supportName: { nb: 'IT-support', en: 'IT support' }, linkUp: true, lastSeen: null, lastMessageAt: Date.now(), openedAt: Date.now()
  }, Date.now())
  t.equal(light.why.nb, red.summary?.nb, 'the light shows the maintainer\'s number, and no second one')

  const told = await waitFor('the medical-technical department\'s webhook', () => h.mtu.events('opened', 'device.down:spo2-1')[0], { timeoutMs: 20_000 })
  t.match(told.incident, { room: 'rodoy-1', device: 'spo2-1', deviceName: 'Pulsoksymeter', rule: 'deviceDown' })
  t.equal(h.kommuneIt.events('opened', 'device.down:spo2-1').length, 0, 'not the municipality\'s IT')

  // the register outlives the hub
  await hub.stop()
  const again = new Hub(config, { logger: testLogger() })
  t.teardown(async () => await again.stop())
  await again.start()
  const kept = (await getJson(`${again.urls!.http}/api/register?room=rodoy-1&item=device`, tokens.it)).body.entries[0]
  t.match(kept, { serial: SERIAL, vendor: 'Masimo', reported: true }, 'after a restart, before the gateway is back')
})

t.test('a network fault reaches the municipality\'s IT, with its number on the light', async (t) => {
  const { hub, gateway, h } = await setup(t)
  await readiness(gateway, 'green', (r) => r.level === 'green')
  // the gateway's first readiness (still waiting for the oximeter) may reach the hub after the
  // schedule does; it would rightly open an incident for the oximeter's maintainer
  await waitFor('green at the hub', () => hub.fleet.get('rodoy-1')?.readiness?.level === 'green')
  await schedule(hub, 30 * MIN) // the readiness rule speaks up within leadMinutes of a consultation
  await readiness(gateway, 'green for the consultation', (r) => r.level === 'green' && r.session?.id === 'c-1')
  await waitFor('the hub\'s contacts at the gateway', () => (gateway as unknown as { hubSupport: unknown }).hubSupport !== null)

  gateway.setNetwork({ ...net, rttMs: 400, ts: Date.now() })
  const red = await readiness(gateway, 'red for the network', (r) => r.level === 'red' && r.reasons[0]?.code === 'network.rtt')
  t.match(red.summary?.nb, /^Nettverket er for tregt.*, ring kommunens IT på 75 09 50 00$/)
  t.match(red.summary?.en, /, call the municipality's IT on 75 09 50 00$/)

  const told = await waitFor('the municipality\'s IT webhook', () => h.kommuneIt.events('opened', 'readiness')[0] ?? h.kommuneIt.events('reopened', 'readiness')[0], { timeoutMs: 20_000 })
  t.match(told.incident, { room: 'rodoy-1', rule: 'readiness', device: null })
  t.equal(h.mtu.events('opened').length, 0, 'the medical-technical department is not bothered with the network')
  await waitFor('IT on duty told as well', () => h.itVakt.received.some((r) => r.body.incident.cause === 'readiness' && r.body.incident.title.nb.includes('ikke klar')))
})

t.test('an overdue calibration turns the room amber; the specialist\'s presence shows in readiness', async (t) => {
  const { hub, gateway, h } = await setup(t)
  await readiness(gateway, 'green', (r) => r.level === 'green')
  await schedule(hub, -MIN) // started a minute ago; no specialist yet
  const absent = await readiness(gateway, 'the specialist missing', (r) => r.specialist === 'absent' && r.level === 'green')
  t.equal(absent.level, 'green', 'a missing specialist is news for staff, not a fault of the room')
  t.match(absent.summary?.nb, /^Rommet er klart for konsultasjonen kl\. \d\d:\d\d\. Spesialisten har ikke koblet seg på ennå$/)
  t.match(absent.summary?.en, /The specialist has not joined yet$/)

  const patched = await fetch(`${hub.urls!.http}/api/register/rodoy-1/devices/spo2-1`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${tokens.it}`, 'content-type': 'application/json' },
    body: JSON.stringify({ calibration: { last: '2020-01-01' } })
  })
  t.equal(patched.status, 200)
  const amber = await readiness(gateway, 'amber for the calibration', (r) => r.level === 'amber')
  t.match(amber.reasons, [{ code: 'calibration.overdue', device: 'spo2-1', level: 'amber' }])
  t.equal(amber.summary?.nb, 'Fungerer, men Pulsoksymeter: kalibrering eller kontroll forfalt 31.12.2020 — medisinsk-teknisk avdeling har ansvaret. Spesialisten har ikke koblet seg på ennå')
  await waitFor('a low-priority incident for the medical-technical department', () => h.mtu.events('opened', 'device.calibration:spo2-1')[0], { timeoutMs: 20_000 })
  t.equal(hub.incidents.engine.list({ state: 'active' }).filter((i) => i.cause === 'readiness').length, 0, 'not a readiness incident as well')

  // the specialist opens the consultation console: it subscribes to the room as its console
  const ws = new WebSocket(`${hub.urls!.ws}?token=${tokens.specialist}`)
  t.teardown(() => ws.terminate())
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject) })
  ws.send(JSON.stringify({ type: 'subscribe', rooms: ['rodoy-1'], console: true }))
  const ready = await readiness(gateway, 'the specialist ready', (r) => r.specialist === 'ready')
  t.equal(ready.summary?.nb, 'Fungerer, men Pulsoksymeter: kalibrering eller kontroll forfalt 31.12.2020 — medisinsk-teknisk avdeling har ansvaret. Spesialisten er klar')
  t.notMatch(JSON.stringify(ready), /spesialist-1/, 'the role, never the name')

  // recorded again: the room is green, the specialist still there
  const recorded = await fetch(`${hub.urls!.http}/api/register/rodoy-1/devices/spo2-1`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${tokens.it}`, 'content-type': 'application/json' },
    body: JSON.stringify({ calibration: { last: new Date().toISOString().slice(0, 10) } })
  })
  t.equal(recorded.status, 200)
  const green = await readiness(gateway, 'green again', (r) => r.level === 'green' && r.reasons.length === 0)
  t.match(green.summary?.nb, /^Rommet er klart for konsultasjonen kl\. \d\d:\d\d\. Spesialisten er klar$/)
})
