// The room's local broker: anyone on the room LAN may read the room's state (the light, a kiosk),
// but readings are patient data and commands act on the room: those need the local admin token.
// Everything goes out at QoS 1, as the wire contract says. Against a real gateway, real MQTT clients.
import t, { type Test } from 'tap'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { topics } from '../../protocol/topics.js'
import { sleep, waitFor } from '../helpers/index.js'
import { roomConfig, startGateway } from './room-fixture.js'
import { scriptedDriver, scriptFor, scripts } from './scripted-driver.js'
import type { Gateway } from '../../gateway/gateway.js'

const ROOM = 'rodoy-1'
const ADMIN_TOKEN = 'local-admin-token-for-broker-tests'

interface Seen { topic: string, qos: number }

interface Client { client: MqttClient, seen: Seen[] }

async function connect (t: Test, url: string, options: IClientOptions = {}): Promise<Client> {
  const seen: Seen[] = []
  const client = mqtt.connect(url, { reconnectPeriod: 0, ...options })
  client.on('error', () => {})
  client.on('message', (topic, _payload, packet) => seen.push({ topic, qos: packet.qos }))
  t.teardown(() => new Promise<void>((resolve) => client.end(true, {}, () => resolve())))
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve())
    client.once('error', reject)
  })
  return { client, seen }
}

const readingsOf = (c: Client): Seen[] => c.seen.filter((m) => m.topic === topics.readings(ROOM, 'spo2-1'))
const healthOf = (c: Client): Seen[] => c.seen.filter((m) => m.topic === topics.health(ROOM, 'spo2-1'))

async function gatewayWithReadings (t: Test, readingsPerSecond = 10): Promise<Gateway> {
  scriptFor('spo2-1').readingsPerSecond = readingsPerSecond
  return await startGateway(t, roomConfig(t, {
    room: ROOM,
    hub: { url: 'mqtt://127.0.0.1:1' }, // no hub: the local broker works on its own
    local: { host: '127.0.0.1', mqttPort: 0, httpPort: 0, adminToken: ADMIN_TOKEN },
    devices: [{ id: 'spo2-1', name: 'Pulsoksymeter', kind: 'scripted' }],
    profiles: { ortopedi: { label: { nb: 'Ortopedi', en: 'Orthopaedics' }, requires: ['spo2-1'] } },
    network: { enabled: false },
    check: { enabled: false }
  }), { scripted: scriptedDriver })
}

t.beforeEach(() => scripts.clear())

t.test('an anonymous client reads the room\'s state but not its readings; one with the admin token gets both, at QoS 1', async (t) => {
  const gateway = await gatewayWithReadings(t, 0)
  const anonymous = await connect(t, gateway.urls.mqtt)
  await anonymous.client.subscribeAsync('#', { qos: 1 })
  const admin = await connect(t, gateway.urls.mqtt, { username: 'any-name', password: ADMIN_TOKEN })
  await admin.client.subscribeAsync('#', { qos: 1 })
  await waitFor('health reaches the anonymous client', () => healthOf(anonymous).length > 0)
  await waitFor('readiness reaches the anonymous client', () => anonymous.seen.some((m) => m.topic === topics.readiness(ROOM)))
  await waitFor('health reaches the admin', () => healthOf(admin).length > 0)

  scriptFor('spo2-1').readingsPerSecond = 10
  await waitFor('readings reach the admin', () => readingsOf(admin).length >= 10)
  t.same(readingsOf(anonymous), [], `no reading reached the anonymous client (the admin got ${readingsOf(admin).length})`)
  t.ok(gateway.localBroker.withheld > 0, 'what was held back is counted')

  t.ok(readingsOf(admin).every((m) => m.qos === 1), 'readings at QoS 1')
  t.ok(healthOf(admin).every((m) => m.qos === 1), 'health at QoS 1')
  t.ok(anonymous.seen.filter((m) => m.topic === topics.readiness(ROOM)).every((m) => m.qos === 1), 'readiness at QoS 1')
})

t.test('asking for readings without the token is refused in SUBACK; the client keeps its other subscriptions', async (t) => {
  const gateway = await gatewayWithReadings(t)
  const anonymous = await connect(t, gateway.urls.mqtt)
  // mqtt.js reports a refused filter as an error carrying the SUBACK.
  const granted = await anonymous.client.subscribeAsync([`helserom/v1/${ROOM}/devices/+/readings`, `helserom/v1/${ROOM}/cmd/#`, `helserom/v1/${ROOM}/devices/+/health`], { qos: 1 })
    .then(() => [] as number[], (err: { packet?: { granted?: number[] } }) => err.packet?.granted ?? [])
  t.same(granted, [128, 1, 1], 'readings refused (0x80); commands (held back) and health granted')
  await waitFor('health still arrives', () => healthOf(anonymous).length > 0)

  // Someone with the token runs a command: its answer is not for the anonymous client.
  const admin = await connect(t, gateway.urls.mqtt, { username: 'kiosk', password: ADMIN_TOKEN })
  await admin.client.subscribeAsync(topics.commandResult(ROOM, 'echo'), { qos: 1 })
  admin.client.publish(topics.command(ROOM, 'echo'), JSON.stringify({ id: 'c-1', device: 'spo2-1', args: { text: 'hei' }, ts: Date.now() }), { qos: 1 })
  await waitFor('the admin gets the answer', () => admin.seen.some((m) => m.topic === topics.commandResult(ROOM, 'echo')))
  await sleep(500)
  t.ok(anonymous.client.connected, 'still connected')
  t.same(readingsOf(anonymous), [])
  t.same(anonymous.seen.filter((m) => m.topic.includes('/cmd/')), [], 'no command or answer reached the anonymous client')
})

t.test('a wrong token is refused at login; without the admin token nothing may be published', async (t) => {
  const gateway = await gatewayWithReadings(t)
  await t.rejects(connect(t, gateway.urls.mqtt, { username: 'x', password: 'not-the-token-at-all' }), { code: 4 }, 'CONNACK 4: bad user name or password')

  const commands: string[] = []
  gateway.localBroker['options'].onCommand = (topic: string) => { commands.push(topic) }
  const anonymous = await connect(t, gateway.urls.mqtt)
  anonymous.client.publish(topics.command(ROOM, 'echo'), JSON.stringify({ id: 'c-1', device: 'spo2-1', args: { text: 'x' }, ts: Date.now() }), { qos: 0 })
  anonymous.client.publish(topics.readings(ROOM, 'spo2-1'), JSON.stringify({ ts: Date.now(), boot: 'fake', seq: 1, values: { spo2: 50 }, units: { spo2: '%' } }), { qos: 0 })
  await waitFor('the broker drops the publisher', () => !anonymous.client.connected)
  t.same(commands, [], 'no command went through')

  // The reader secret the gateway gives its own Node-RED: readings, but no commands.
  const reader = await connect(t, gateway.urls.mqtt, { username: 'node-red', password: gateway.localReaderToken })
  await reader.client.subscribeAsync(`helserom/v1/${ROOM}/devices/+/readings`, { qos: 1 })
  await waitFor('readings reach the reader', () => readingsOf(reader).length > 0)
  reader.client.publish(topics.command(ROOM, 'echo'), JSON.stringify({ id: 'c-2', device: 'spo2-1', args: { text: 'x' }, ts: Date.now() }), { qos: 0 })
  await waitFor('the broker drops the reader that publishes', () => !reader.client.connected)
  t.same(commands, [], 'the reader secret sends no command')
})
