// The clustered hub as it runs in production: two `helserom hub` processes (bin/helserom.js, each
// with its own config file and ports) sharing Debian's redis-server through broker.redis. A gateway
// connected to hub A and dashboards connected to hub B (MQTT and the /ws WebSocket) see the same
// messages (live readings only on /ws: users get none over MQTT); retained state and MQTT sessions live in Redis; a hub that starts after the gateway
// knows the room's state at once; each hub counts every message once; and the other direction (a
// schedule published through hub B) reaches the gateway on hub A.
import t, { type Test } from 'tap'
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import mqtt, { type MqttClient } from 'mqtt'
import WebSocket from 'ws'
import { stringify } from 'yaml'
import { hashPassword, hashToken } from '../../cloud/auth/passwords.js'
import { tempDir, waitFor, type Teardown } from '../helpers/index.js'
import { redisMissing, startRedis, type RedisServer } from '../helpers/redis.js'
import { spawnServer } from '../helpers/servers.js'
import { connectClient, getJson, healthMsg, passwords, publishJson, readingMsg, readinessMsg, statusMsg, TEST_SCRYPT, tokens } from './hub-fixtures.js'

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..')
const ROOM = 'rodoy-1'
const skip = redisMissing()

interface HubProcess { name: string, http: string, mqtt: string, ws: string, stop: () => Promise<void>, output: () => string }

let configText: string | undefined
async function hubConfigYaml (redis: RedisServer, dataDir: string): Promise<string> {
  configText ??= stringify({
    gateways: [
      { room: 'rodoy-1', name: 'Helserom Rødøy', site: 'Rødøy kommune', passwordHash: await hashPassword(passwords['rodoy-1'], TEST_SCRYPT) },
      { room: 'donna-1', name: 'Helserom Dønna', username: 'donna-gw', passwordHash: await hashPassword(passwords['donna-1'], TEST_SCRYPT) }
    ],
    users: [
      { name: 'it-vakt', role: 'it', tokenHash: hashToken(tokens.it) },
      { name: 'spesialist-1', role: 'specialist', tokenHash: hashToken(tokens.specialist), rooms: ['rodoy-1'] }
    ]
  })
  return stringify({
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { host: '127.0.0.1', port: 0 },
    broker: { mode: 'embedded', redis: redis.url },
    store: { kind: 'embedded', persist: false },
    dataDir
  }) + configText
}

/** `helserom hub --config FILE` in a process of its own; resolves with its URLs once it listens. */
async function startHubProcess (t: Teardown, name: string, redis: RedisServer): Promise<HubProcess> {
  const dir = tempDir(t, `helserom-cluster-${name}-`)
  const file = join(dir, 'hub.yaml')
  writeFileSync(file, await hubConfigYaml(redis, join(dir, 'data')))
  const server = spawnServer(t, process.execPath, [join(ROOT, 'bin/helserom.js'), 'hub', '--config', file], {
    cwd: ROOT,
    env: { ...process.env, HELSEROM_LOG_LEVEL: process.env.HELSEROM_TEST_LOG ?? 'warn' }
  })
  const urls = await waitFor(`hub ${name} listening`, () => {
    if (server.child.exitCode !== null) throw new Error(`hub ${name} exited: ${server.output()}`)
    const http = /dashboard:\s+(http:\/\/\S+?)\/?\s/.exec(server.output())?.[1]
    const mqttUrl = /MQTT:\s+(mqtt:\/\/\S+)/.exec(server.output())?.[1]
    return http !== undefined && mqttUrl !== undefined ? { http, mqtt: mqttUrl } : undefined
  }, { timeoutMs: 90_000, intervalMs: 100 })
  return { name, ...urls, ws: `${urls.http.replace(/^http/, 'ws')}/ws`, stop: server.stop, output: server.output }
}

interface Seen { topic: string, payload: any, retain: boolean }
function record (client: MqttClient): Seen[] {
  const seen: Seen[] = []
  client.on('message', (topic, payload, packet) => { seen.push({ topic, payload: JSON.parse(payload.toString()), retain: packet.retain }) })
  return seen
}

async function gatewayOn (t: Teardown, hub: HubProcess): Promise<MqttClient> {
  return await connectClient(t, hub.mqtt, {
    username: ROOM,
    password: passwords[ROOM],
    clientId: 'gateway-rodoy-1',
    will: { topic: `helserom/v1/${ROOM}/status`, payload: Buffer.from(JSON.stringify({ online: false })), qos: 1, retain: true }
  })
}

async function dashboardOn (t: Teardown, hub: HubProcess, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
  return await connectClient(t, hub.mqtt, { username: 'it-vakt', password: tokens.it, ...options })
}

interface Live { messages: any[], ws: WebSocket }
async function liveSocket (t: Test, hub: HubProcess, token: string): Promise<Live> {
  const ws = new WebSocket(`${hub.ws}?token=${token}`)
  t.teardown(() => ws.terminate())
  const messages: any[] = []
  ws.on('message', (data) => messages.push(JSON.parse(data.toString())))
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject) })
  ws.send(JSON.stringify({ type: 'subscribe', rooms: [ROOM] }))
  await waitFor('the snapshot', () => messages.find((m) => m.type === 'snapshot'))
  return { messages, ws }
}

const roomOn = async (hub: HubProcess): Promise<any> => (await getJson(`${hub.http}/api/rooms/${ROOM}`, tokens.it)).body

t.test('two hub processes on one Redis relay a gateway\'s messages to the other hub\'s clients', { skip: skip ?? false }, async (t) => {
  const redis = await startRedis(t)
  const [a, b] = await Promise.all([startHubProcess(t, 'a', redis), startHubProcess(t, 'b', redis)])
  t.not(a.mqtt, b.mqtt, 'two brokers, two addresses')

  // Dashboards on hub B, before anything happens.
  const dashboard = await dashboardOn(t, b)
  const seen = record(dashboard)
  await dashboard.subscribeAsync(`helserom/v1/${ROOM}/#`, { qos: 1 })
  const live = await liveSocket(t, b, tokens.specialist)

  // The gateway on hub A.
  const gateway = await gatewayOn(t, a)
  const schedules = record(gateway)
  await gateway.subscribeAsync(`helserom/v1/${ROOM}/schedule`, { qos: 1 })
  await publishJson(gateway, `helserom/v1/${ROOM}/status`, statusMsg(true, 'boot-a'), true)
  await publishJson(gateway, `helserom/v1/${ROOM}/readiness`, readinessMsg('amber'), true)
  await publishJson(gateway, `helserom/v1/${ROOM}/devices/cam-1/health`, healthMsg('degraded'), true)
  const N = 25
  for (let seq = 1; seq <= N; seq++) await publishJson(gateway, `helserom/v1/${ROOM}/devices/spo2-1/readings`, readingMsg(seq, 'boot-a', { values: { spo2: 90 + (seq % 10), pulse: 70 } }))
  for (let n = 1; n <= N; n++) await publishJson(gateway, `helserom/v1/${ROOM}/devices/spo2-1/health`, { ...healthMsg(), metrics: { n } }, true)

  // MQTT on B: every message of the gateway on A, once each, in order — but no reading: users get
  // those only over the audited WebSocket (cloud/auth/mqtt-auth.ts).
  const counted = (): number[] => seen.filter((m) => m.topic.endsWith('/spo2-1/health')).map((m) => m.payload.metrics.n)
  await waitFor('every health message at the MQTT dashboard on B', () => counted().length >= N, { timeoutMs: 30_000 })
  t.same(counted(), Array.from({ length: N }, (_, i) => i + 1), 'all of them, once, in order')
  // Order is kept per topic (MQTT 3.1.1 §4.6), not across topics: wait for the others rather than assume.
  await waitFor('the status at the MQTT dashboard on B', () => seen.some((m) => m.topic.endsWith('/status') && m.payload.online === true))
  await waitFor('the device health at the MQTT dashboard on B', () => seen.some((m) => m.topic.endsWith('/devices/cam-1/health') && m.payload.state === 'degraded'))

  // The WebSocket on B: the live readings and the room's changes, from B's own ingest.
  await waitFor('every reading at the WebSocket on B', () => live.messages.filter((m) => m.type === 'reading').length >= N, { timeoutMs: 30_000 })
  t.same(live.messages.filter((m) => m.type === 'reading').map((m) => m.reading.seq), Array.from({ length: N }, (_, i) => i + 1))
  t.notOk(seen.some((m) => m.topic.endsWith('/readings')), 'no reading reached the MQTT dashboard')
  await waitFor('readiness pushed by B', () => live.messages.some((m) => m.type === 'room' && m.part === 'readiness' && m.state.readiness?.level === 'amber'))

  // Each hub's fleet state saw every message exactly once.
  for (const hub of [a, b]) {
    const room = await waitFor(`hub ${hub.name} counted the readings`, async () => { const r = await roomOn(hub); return r.readings?.accepted === N ? r : undefined }, { timeoutMs: 15_000 })
    t.equal(room.online, true, `hub ${hub.name}: online`)
    t.same(room.readings, { accepted: N, duplicates: 0, lost: 0, recovered: 0 }, `hub ${hub.name}: each reading once, none lost, none duplicated`)
    t.equal(room.devices['cam-1'].state, 'degraded')
  }

  // Retained state lives in Redis: a dashboard that subscribes on B now gets it at once.
  const late = await dashboardOn(t, b)
  const lateSeen = record(late)
  await late.subscribeAsync(`helserom/v1/${ROOM}/#`, { qos: 1 })
  await waitFor('retained status, readiness and health on B', () => ['/status', '/readiness', '/devices/cam-1/health'].every((s) => lateSeen.some((m) => m.retain && m.topic.endsWith(s))))
  t.equal(lateSeen.find((m) => m.topic.endsWith('/status'))?.payload.boot, 'boot-a')
  t.notOk(lateSeen.some((m) => m.topic.endsWith('/readings')), 'readings are not retained')

  // The other way: a schedule published through hub B's API reaches the gateway on hub A.
  const put = await fetch(`${b.http}/api/rooms/${ROOM}/schedule`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${tokens.it}`, 'content-type': 'application/json' },
    body: JSON.stringify([{ id: 'c-1', start: Date.now() + 3600_000, minutes: 30, profile: 'ortopedi' }])
  })
  t.equal(put.status, 200)
  const schedule = await waitFor('the schedule at the gateway on A', () => schedules.find((m) => m.topic.endsWith('/schedule')))
  t.equal(schedule.payload[0].id, 'c-1')
  await waitFor('hub A knows the schedule too', async () => (await roomOn(a)).schedule?.[0]?.id === 'c-1')

  // A gateway that drops off A without a word: its Last Will reaches B.
  gateway.stream.destroy()
  await waitFor('the Last Will at the dashboard on B', () => seen.some((m) => m.topic.endsWith('/status') && m.payload.online === false), { timeoutMs: 30_000 })
  await waitFor('hub B: offline', async () => (await roomOn(b)).online === false)
})

t.test('a hub that starts after the gateway knows the room at once; sessions move between hubs', { skip: skip ?? false }, async (t) => {
  const redis = await startRedis(t)
  const a = await startHubProcess(t, 'a', redis)
  const gateway = await gatewayOn(t, a)
  await publishJson(gateway, `helserom/v1/${ROOM}/status`, statusMsg(true, 'boot-early'), true)
  await publishJson(gateway, `helserom/v1/${ROOM}/readiness`, readinessMsg('red'), true)
  await publishJson(gateway, `helserom/v1/${ROOM}/devices/cam-1/health`, healthMsg('down'), true)
  await waitFor('hub A has the state', async () => (await roomOn(a)).readiness?.level === 'red')

  // Hub B starts now: nothing new is published, yet it knows the room (retained messages from Redis).
  const b = await startHubProcess(t, 'b', redis)
  const room = await waitFor('hub B knows the room', async () => { const r = await roomOn(b); return r.readiness !== null && r.online === true ? r : undefined }, { timeoutMs: 15_000 })
  t.equal(room.readiness.level, 'red')
  t.equal(room.devices['cam-1'].state, 'down')
  t.equal(room.boot, 'boot-early')
  const health = (await getJson(`${b.http}/healthz`)).body
  t.equal(health.status, 'ok')
  t.equal(health.broker.connected, true)

  // A dashboard with a persistent session subscribes on B and goes away; messages published on A
  // meanwhile wait in Redis, and it gets them when it comes back — on hub A.
  const away = await dashboardOn(t, b, { clientId: 'dashboard-7', clean: false })
  await away.subscribeAsync(`helserom/v1/${ROOM}/devices/+/health`, { qos: 1 })
  await away.endAsync()
  for (let n = 1; n <= 5; n++) await publishJson(gateway, `helserom/v1/${ROOM}/devices/spo2-1/health`, { ...healthMsg(), metrics: { n } }, true)
  await waitFor('hub B ingested them', async () => (await roomOn(b)).devices['spo2-1']?.metrics.n === 5)
  const back = mqtt.connect(a.mqtt, { username: 'it-vakt', password: tokens.it, clientId: 'dashboard-7', clean: false, reconnectPeriod: 0, protocolVersion: 4 })
  t.teardown(async () => { await back.endAsync(true) })
  const queued = record(back)
  back.on('error', () => {})
  const connack = await new Promise<{ sessionPresent: boolean }>((resolve) => back.once('connect', (packet) => resolve(packet)))
  t.equal(connack.sessionPresent, true, 'hub A found the session made on hub B')
  const queuedHealth = (): number[] => queued.filter((m) => m.topic.endsWith('/spo2-1/health')).map((m) => m.payload.metrics.n)
  await waitFor('the queued messages, on the other hub', () => queuedHealth().length >= 5, { timeoutMs: 15_000 })
  t.same(queuedHealth(), [1, 2, 3, 4, 5])
})
