// Node-RED in the room, end to end: a gateway with Node-RED enabled and the three example flows
// from flows/examples/, against the ONVIF camera and pulse-oximeter simulators, a real MQTT broker
// in the hub's place (the schedule comes from there, as in production) and a local webhook
// receiver in Teams' place. Each flow is shown to act; the editor is shown to refuse strangers.
// One gateway for the whole file: Node-RED keeps process-wide state, so a process runs one.
import t from 'tap'
import mqtt from 'mqtt'
import { hashPassword } from '../../protocol/credentials.js'
import { topics } from '../../protocol/topics.js'
import type { Consultation } from '../../protocol/messages.js'
import { driverFactories } from '../../drivers/registry.js'
import { startOnvifCameraSimulator } from '../../drivers/onvif-camera/simulator.js'
import { startSerialSensorSimulator } from '../../drivers/serial-sensor/simulator.js'
import { exampleFlowFiles, nodeRedOf } from '../../gateway/node-red/index.js'
import { startMosquitto } from '../helpers/servers.js'
import { waitFor } from '../helpers/index.js'
import { roomConfig, startGateway } from '../gateway/room-fixture.js'
import { adminGet, editorLogin, startWebhookReceiver } from './helpers.js'

const ROOM = 'rodoy-1'
const ADMIN_TOKEN = 'local-admin-token-for-tests'
const COURSE_TAB = '4e5a1c0de0000300' // flows/examples/course-mode.json
const MINUTE = 60_000

const hub = await startMosquitto(t)
const camera = await startOnvifCameraSimulator({
  presets: [
    { token: '1', name: 'Pasient', position: { x: 0.25, y: -0.2, zoom: 0.4 } },
    { token: '2', name: 'Oversikt', position: { x: 0, y: 0, zoom: 0 } },
    { token: '3', name: 'Vidvinkel', position: { x: 0, y: 0.1, zoom: 0 } }
  ],
  presetMap: { patient: '1', overview: '2', wide: '3' }
})
t.teardown(() => camera.stop())
const oximeter = await startSerialSensorSimulator({ tcpPort: 0, intervalMs: 200, protocol: 'masimo-ascii' })
t.teardown(() => oximeter.stop())
const webhook = await startWebhookReceiver(t)

const gateway = await startGateway(t, roomConfig(t, {
  room: ROOM,
  name: 'Helserom Rødøy',
  hub: { url: hub.url },
  local: { host: '127.0.0.1', mqttPort: 0, httpPort: 0, adminToken: ADMIN_TOKEN },
  devices: [
    { id: 'cam-1', name: 'Kamera', kind: 'onvif-camera', ...camera.deviceConfig, pollIntervalMs: 500, timeoutMs: 1000 },
    { id: 'spo2-1', name: 'Pulsoksymeter', kind: 'serial-sensor', ...oximeter.deviceConfig, expectedIntervalMs: 200 }
  ],
  profiles: {
    ortopedi: { label: { nb: 'Ortopedi', en: 'Orthopaedics' }, requires: ['cam-1', 'spo2-1'], preset: 'patient' },
    'lms-kurs': { label: { nb: 'Lærings- og mestringskurs', en: 'Learning and coping course' }, requires: ['cam-1'] }
  },
  // Off, so that every move of the camera here is a flow's (the check moves it before consultations).
  check: { enabled: false },
  network: { enabled: false },
  nodeRed: {
    enabled: true,
    port: 0,
    users: [
      { username: 'kommune-it', passwordHash: await hashPassword('riktig passord') },
      { username: 'les', passwordHash: await hashPassword('bare lese'), permissions: 'read' }
    ],
    flows: exampleFlowFiles(),
    env: { HELSEROM_WEBHOOK_URL: webhook.url }
  }
}), driverFactories)

const nodeRed = nodeRedOf(gateway)
if (nodeRed === undefined) throw new Error('the gateway did not start Node-RED')
const flows = await nodeRed.ready
const editor = gateway.extensionUrls()['Node-RED editor'] ?? ''

const hubClient = await mqtt.connectAsync(hub.url, { clientId: 'test-hub' })
t.teardown(() => hubClient.endAsync(true))

/** The hub publishes the room's schedule (retained), as it does in production. */
async function publishSchedule (schedule: Consultation[]): Promise<void> {
  await hubClient.publishAsync(topics.schedule(ROOM), JSON.stringify(schedule), { qos: 1, retain: true })
  const want = schedule[0]?.id ?? null
  await waitFor(`readiness naming consultation ${want}`, () => (gateway.readiness?.session?.id ?? null) === want)
}

const device = (id: string): ReturnType<typeof gateway.devices>[number] | undefined => gateway.devices().find((d) => d.id === id)
const deviceIs = async (id: string, state: string): Promise<void> => {
  await waitFor(`${id} ${state}`, () => device(id)?.state === state, { timeoutMs: 15_000 })
}
const cameraAt = async (token: string): Promise<void> => {
  await waitFor(`the camera at preset ${token}`, () => camera.state.currentPreset === token && !camera.state.moving, { timeoutMs: 15_000 })
}
const alerts = (kind: string): Array<Record<string, any>> =>
  webhook.received.map((body) => body.helserom as Record<string, any>).filter((h) => h?.alert === kind)

async function adminToken (): Promise<string> {
  const login = await editorLogin(editor, 'kommune-it', 'riktig passord')
  if (login.token === null) throw new Error(`login failed with ${login.status}`)
  return login.token
}

/** A value in Node-RED's context, through the admin API (the editor's context sidebar reads the same). */
async function contextValue (scope: string, key: string): Promise<unknown> {
  const res = await adminGet(editor, `context/${scope}/${key}`, await adminToken())
  const body = await res.json() as Record<string, { msg?: string } | undefined>
  const entry = body.memory ?? body.default ?? body as { msg?: string, format?: string }
  // Node-RED encodes a missing value as format "undefined", msg "(undefined)".
  return entry?.msg === undefined || (entry as { format?: string }).format === 'undefined' ? undefined : JSON.parse(entry.msg)
}

t.before(async () => {
  await deviceIs('cam-1', 'ok')
  await deviceIs('spo2-1', 'ok')
  await waitFor('gateway connected to the hub', () => gateway.uplinkConnected)
})

t.test('Node-RED runs the example flows with our node package', async (t) => {
  t.same(flows, { running: true }, 'the flows started (no missing node types)')
  t.match(editor, /^http:\/\/127\.0\.0\.1:\d+\/$/)
  const token = await adminToken()
  const nodes = await (await adminGet(editor, 'nodes', token)).json() as Array<{ module: string, types: string[] }>
  const ours = nodes.filter((n) => n.module === '@helserom/node-red-helserom').flatMap((n) => n.types).sort()
  t.same(ours, ['helserom command', 'helserom device', 'helserom readiness', 'helserom-room'])
  const deployed = await (await adminGet(editor, 'flows', token)).json() as Array<{ type: string, label?: string }>
  t.same(deployed.filter((n) => n.type === 'tab').map((n) => n.label).sort(), [
    'Kamera følger konsultasjonen', 'Kursmodus: lærings- og mestringskurs', 'Varsel: rødt før konsultasjon'
  ])
  t.equal(deployed.filter((n) => n.type === 'helserom-room').length, 1, 'the room node the three files share is there once')
})

t.test('the editor refuses access without login', async (t) => {
  t.equal((await adminGet(editor, 'flows', null)).status, 401, 'no flows without a token')
  const deploy = await fetch(new URL('flows', editor), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[]' })
  t.equal(deploy.status, 401, 'no deploy without a token')
  t.equal((await adminGet(editor, 'flows', 'not-a-token')).status, 401, 'a made-up token is no token')
  const login = await (await adminGet(editor, 'auth/login', null)).json() as { type?: string }
  t.equal(login.type, 'credentials', 'the editor asks for a user name and password')

  const wrong = await editorLogin(editor, 'kommune-it', 'feil passord')
  t.equal(wrong.token, null, 'a wrong password gets no token')
  t.not(wrong.status, 200)
  const stranger = await editorLogin(editor, 'ukjent', 'riktig passord')
  t.equal(stranger.token, null, 'an unknown user gets no token')
  t.equal(stranger.status, wrong.status, 'and is told the same as a wrong password')

  const token = await adminToken()
  t.equal((await adminGet(editor, 'flows', token)).status, 200, 'the right password opens it')
  const settings = await (await adminGet(editor, 'settings', token)).text()
  t.notOk(settings.includes(ADMIN_TOKEN), 'the settings the editor sees do not carry the gateway\'s admin token')

  const reader = await editorLogin(editor, 'les', 'bare lese')
  t.ok(reader.token, 'a read-only user logs in')
  t.equal((await adminGet(editor, 'flows', reader.token)).status, 200, 'and may look')
  const readerDeploy = await fetch(new URL('flows', editor), {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${reader.token ?? ''}` }, body: '[]'
  })
  t.equal(readerDeploy.status, 401, 'but may not deploy')
})

t.test('the camera goes to the profile\'s preset when a consultation starts, and back to overview when it ends', async (t) => {
  await publishSchedule([{ id: 'c-ortopedi', start: Date.now() - 1000, minutes: 30, profile: 'ortopedi' }])
  await cameraAt('1') // ortopedi's preset is `patient`, token 1 on this camera
  t.pass('the camera reports the patient preset')
  await publishSchedule([]) // the consultation is over (the hub took it off the schedule)
  await cameraAt('2')
  t.pass('the camera reports the overview preset')
})

t.test('course mode: wide camera, and personal sensors\' alerts muted only while the course runs', async (t) => {
  const before = alerts('device').filter((a) => a.device === 'spo2-1').length
  await publishSchedule([{ id: 'c-kurs', start: Date.now() - 1000, minutes: 60, profile: 'lms-kurs' }])
  await cameraAt('3')
  t.pass('the camera reports the wide preset')
  t.match(await waitFor('course mode on', async () => await contextValue('global', 'helseromCourse')), { id: 'c-kurs' })

  await oximeter.unplug()
  await deviceIs('spo2-1', 'down')
  const muted = await waitFor('the oximeter alert muted', async () => {
    const list = await contextValue(`flow/${COURSE_TAB}`, 'mutedAlerts') as Array<Record<string, unknown>> | undefined
    return list?.find((m) => m.device === 'spo2-1' && m.course === 'c-kurs')
  })
  t.match(muted, { name: 'Pulsoksymeter', state: 'down' }, 'the muted alert is recorded for IT to see')
  await oximeter.plug()
  await deviceIs('spo2-1', 'ok')

  await publishSchedule([])
  await cameraAt('2')
  await waitFor('course mode off', async () => (await contextValue('global', 'helseromCourse')) === undefined)

  await oximeter.unplug()
  const sent = await waitFor('an oximeter alert at the webhook', () => alerts('device').filter((a) => a.device === 'spo2-1')[before])
  t.match(sent, { room: ROOM, roomName: 'Helserom Rødøy', name: 'Pulsoksymeter', kind: 'serial-sensor', state: 'down' })
  // The muted one, had it been sent, went out seconds before this one: it would be here by now.
  t.equal(alerts('device').filter((a) => a.device === 'spo2-1').length, before + 1, 'only the alert from outside the course was sent')
  await oximeter.plug()
  await deviceIs('spo2-1', 'ok')
})

t.test('readiness turning red within 30 minutes of a consultation sends a Teams/webhook message', async (t) => {
  const before = alerts('readiness-red').length
  // Red two hours before a consultation: not yet IT's business.
  await publishSchedule([{ id: 'c-senere', start: Date.now() + 120 * MINUTE, minutes: 30, profile: 'ortopedi' }])
  await oximeter.unplug()
  await waitFor('red (two hours ahead)', () => gateway.readiness?.level === 'red')
  await oximeter.plug()
  await waitFor('no longer red', () => gateway.readiness?.level !== 'red', { timeoutMs: 15_000 })

  // Red twenty minutes before one.
  await publishSchedule([{ id: 'c-snart', start: Date.now() + 20 * MINUTE, minutes: 30, profile: 'ortopedi' }])
  await oximeter.unplug()
  const alert = await waitFor('the red alert at the webhook', () => alerts('readiness-red')[before])
  t.match(alert, { room: ROOM, level: 'red', trigger: 'turned-red', session: { id: 'c-snart', profile: 'ortopedi' } })
  t.ok(alert.minutesToSession > 0 && alert.minutesToSession <= 20, `${alert.minutesToSession} minutes to the consultation`)
  t.match(alert.summary, { nb: /Pulsoksymeter/ })
  const body = webhook.received.find((b) => (b.helserom as Record<string, unknown>) === alert) as Record<string, any>
  t.equal(body.type, 'message')
  t.equal(body.attachments[0].contentType, 'application/vnd.microsoft.card.adaptive', 'a Teams Adaptive Card')
  t.match(body.attachments[0].content.body[0].text, /Helserom Rødøy er ikke klar \(rødt lys\) — konsultasjonen kl\. \d\d:\d\d starter om \d+ min/)
  // The red two hours ahead, had it been sent, went out seconds before this one.
  t.equal(alerts('readiness-red').length, before + 1, 'only the red near the consultation was sent')
  await oximeter.plug()
  await deviceIs('spo2-1', 'ok')
  await publishSchedule([])
})

t.test('a room already red when a consultation comes within 30 minutes sends one message then', async (t) => {
  const before = alerts('readiness-red').length
  // red now, the consultation 30 minutes and 4 seconds away: not yet within the window
  const start = Date.now() + 30 * MINUTE + 4000
  await publishSchedule([{ id: 'c-rod-lenge', start, minutes: 30, profile: 'ortopedi' }])
  await oximeter.unplug()
  await waitFor('red', () => gateway.readiness?.level === 'red')
  const redAt = Date.now()
  t.equal(alerts('readiness-red').length, before, 'nothing while the consultation is more than 30 minutes away')
  const alert = await waitFor('the alert as the window opens', () => alerts('readiness-red')[before], { timeoutMs: 20_000 })
  const sentAt = Date.now()
  t.ok(sentAt >= start - 30 * MINUTE, `sent once the consultation was 30 minutes away (${Math.round((start - 30 * MINUTE - redAt) / 1000)} s after the room turned red)`)
  t.match(alert, { room: ROOM, level: 'red', trigger: 'still-red', session: { id: 'c-rod-lenge' } })
  t.ok(alert.minutesToSession <= 30 && alert.minutesToSession > 29, `${alert.minutesToSession} minutes to the consultation`)
  // readiness changes while it stays red (the oximeter's reason changes as its reconnects fail) send nothing more
  await new Promise((resolve) => setTimeout(resolve, 3000))
  t.equal(alerts('readiness-red').length, before + 1, 'once per consultation while the room stays red')
  await oximeter.plug()
  await deviceIs('spo2-1', 'ok')
  await publishSchedule([])
})

t.test('a second gateway with Node-RED in the same process is refused, saying why', async (t) => {
  const second = roomConfig(t, {
    room: 'donna-1',
    hub: { url: hub.url },
    profiles: { hud: { label: { nb: 'Hud', en: 'Skin' }, requires: [] } },
    check: { enabled: false },
    network: { enabled: false },
    nodeRed: { enabled: true, port: 0 }
  })
  await t.rejects(startGateway(t, second, driverFactories), { message: /Node-RED already runs in this process \(for room rodoy-1\)/ })
  t.same(await nodeRed.ready, { running: true }, 'the first one runs on')
})
