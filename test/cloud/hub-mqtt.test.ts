// A real hub on free loopback ports, with real mqtt.js clients acting as gateways and dashboards.
import t from 'tap'
import { execFile, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { MqttClient } from 'mqtt'
import { hubConfig } from '../../cloud/config.js'
import { tempDir, waitFor } from '../helpers/index.js'
import { which } from '../helpers/servers.js'
import {
  connectClient, connectGateway, getJson, healthMsg, passwords, publishJson, readingMsg, readinessMsg, startTestHub, statusMsg, subscribeGranted, testConfig, tokens
} from './hub-fixtures.js'

const closed = async (client: MqttClient): Promise<void> => {
  if (!client.connected) return
  await new Promise<void>((resolve) => client.once('close', () => resolve()))
}

t.test('gateway credentials are checked', async (t) => {
  const hub = await startTestHub(t)
  const url = hub.urls!.mqtt
  await t.rejects(connectClient(t, url, { username: 'rodoy-1', password: 'wrong' }), /Bad username or password/, 'wrong password')
  await t.rejects(connectClient(t, url, {}), /Not authorized/, 'no credentials')
  await t.rejects(connectClient(t, url, { username: 'rodoy-1' }), /Not authorized/, 'no password')
  await t.rejects(connectClient(t, url, { username: 'nobody', password: 'x' }), /Bad username or password/, 'unknown user name')
  await t.rejects(connectClient(t, url, { username: 'donna-1', password: passwords['donna-1'] }), /Bad username or password/, 'the room is not the user name when one is configured')
  const gw = await connectGateway(t, url, 'donna-1')
  t.ok(gw.connected, 'the right password connects')
  t.equal(await hub.metrics.value('helserom_hub_auth_denied_total', { surface: 'mqtt', action: 'connect' }), 5)
  t.equal(await hub.metrics.value('helserom_hub_auth_denied_total', { reason: 'bad-credentials' }), 3)
  // a second connection with the same password is served from the verified-password cache
  const again = await connectGateway(t, url, 'donna-1')
  t.ok(again.connected)
})

t.test('a gateway publishing under another room is cut off and nothing reaches subscribers', async (t) => {
  const hub = await startTestHub(t)
  const url = hub.urls!.mqtt
  const watcher = await connectClient(t, url, { username: 'it-vakt', password: tokens.it })
  const seen: string[] = []
  watcher.on('message', (topic) => seen.push(topic))
  await watcher.subscribeAsync('helserom/v1/#', { qos: 1 })

  const rodoy = await connectGateway(t, url, 'rodoy-1')
  const donna = await connectGateway(t, url, 'donna-1')
  rodoy.publish('helserom/v1/donna-1/readiness', JSON.stringify(readinessMsg('red')), { qos: 0 })
  await closed(rodoy)
  t.pass('the broker closed the offending connection')

  await publishJson(donna, 'helserom/v1/donna-1/readiness', readinessMsg('green'), true)
  await waitFor('the legitimate message at the watcher', () => seen.includes('helserom/v1/donna-1/readiness'))
  t.same(seen.filter((s) => s === 'helserom/v1/donna-1/readiness'), ['helserom/v1/donna-1/readiness'], 'only the legitimate message arrived')
  await waitFor('the hub to see donna-1 green', () => hub.fleet.get('donna-1')?.readiness?.level === 'green')
  t.equal(await hub.metrics.value('helserom_hub_auth_denied_total', { action: 'publish', reason: 'other-room' }), 1)
})

t.test('gateways may not publish hub topics nor subscribe beyond their own', async (t) => {
  const hub = await startTestHub(t)
  const url = hub.urls!.mqtt
  const gw = await connectGateway(t, url, 'rodoy-1')
  const granted = await subscribeGranted(gw, ['helserom/v1/rodoy-1/schedule', 'helserom/v1/rodoy-1/cmd/+', 'helserom/v1/donna-1/schedule', 'helserom/v1/#'])
  t.same(granted, [1, 1, 128, 128], 'own schedule and commands granted, the rest refused')
  t.ok(gw.connected, 'a refused subscription does not cost the connection')

  // the hub publishes a schedule (retained); the gateway gets it
  const schedule = [{ id: 'c-1', start: Date.now() + 3_600_000, minutes: 30, profile: 'ortopedi' }]
  const got = new Promise<string>((resolve) => gw.once('message', (topic, payload) => resolve(`${topic} ${payload.toString()}`)))
  await hub.publishSchedule('rodoy-1', schedule)
  t.equal(await got, `helserom/v1/rodoy-1/schedule ${JSON.stringify(schedule)}`)
  await waitFor('the fleet to show the schedule', () => hub.fleet.get('rodoy-1')?.schedule?.length === 1)

  gw.publish('helserom/v1/rodoy-1/schedule', '[]', { qos: 0 })
  await closed(gw)
  t.equal(await hub.metrics.value('helserom_hub_auth_denied_total', { action: 'publish', reason: 'hub-only-topic' }), 1)
  t.equal(hub.fleet.get('rodoy-1')?.schedule?.length, 1, 'the schedule was not replaced')
})

t.test('users connect read-only with their token', async (t) => {
  const hub = await startTestHub(t)
  const url = hub.urls!.mqtt
  await t.rejects(connectClient(t, url, { username: 'sykepleier-1', password: tokens.it }), /Bad username or password/, 'another user\'s token')
  const staff = await connectClient(t, url, { username: 'sykepleier-1', password: tokens.staff })
  const granted = await subscribeGranted(staff, ['helserom/v1/rodoy-1/readiness', 'helserom/v1/rodoy-1/devices/+/readings', 'helserom/v1/donna-1/readiness'])
  t.same(granted, [1, 128, 128])
  const scrypt = await connectClient(t, url, { username: 'spesialist-2', password: tokens.scryptSpecialist })
  t.same(await subscribeGranted(scrypt, ['helserom/v1/#'], 0), [0], 'a specialist of every room may see all')
  staff.publish('helserom/v1/rodoy-1/readiness', JSON.stringify(readinessMsg()), { qos: 0 })
  await closed(staff)
  t.equal(hub.fleet.get('rodoy-1')?.readiness, null)
})

t.test('users never get live readings over MQTT (only the audited /ws has them): a readings filter is refused, a wider one gets the rest', async (t) => {
  const hub = await startTestHub(t)
  const url = hub.urls!.mqtt
  const it = await connectClient(t, url, { username: 'it-vakt', password: tokens.it })
  t.same(await subscribeGranted(it, ['helserom/v1/+/devices/+/readings', 'helserom/v1/rodoy-1/devices/spo2-1/readings']), [128, 128], 'readings filters refused')
  t.equal(await hub.metrics.value('helserom_hub_auth_denied_total', { action: 'subscribe', reason: 'readings-not-over-mqtt' }), 2)
  const specialist = await connectClient(t, url, { username: 'spesialist-1', password: tokens.specialist })
  t.same(await subscribeGranted(specialist, ['helserom/v1/rodoy-1/devices/+/readings']), [128], 'for specialists as well')

  const seen: string[] = []
  it.on('message', (topic) => seen.push(topic))
  t.same(await subscribeGranted(it, ['helserom/v1/#']), [1], 'a wider filter is granted')
  const gw = await connectGateway(t, url, 'rodoy-1')
  await publishJson(gw, 'helserom/v1/rodoy-1/devices/spo2-1/readings', readingMsg(0))
  await publishJson(gw, 'helserom/v1/rodoy-1/devices/spo2-1/readings', readingMsg(1))
  await publishJson(gw, 'helserom/v1/rodoy-1/devices/spo2-1/health', healthMsg(), true)
  await waitFor('the health message at the IT client', () => seen.includes('helserom/v1/rodoy-1/devices/spo2-1/health'))
  await waitFor('each reading held back, counted', async () => await hub.metrics.value('helserom_hub_auth_denied_total', { action: 'forward', reason: 'readings-not-over-mqtt' }) === 2)
  t.ok(hub.fleet.get('rodoy-1')?.devices['spo2-1']?.lastReading !== null, 'the hub itself got the reading')
  t.same(seen.filter((topic) => topic.endsWith('/readings')), [], 'no reading reached the user')
})

t.test('with mqtt.anonymousState, any MQTT client reads every room\'s status and readiness, and nothing else', async (t) => {
  const open = await startTestHub(t, await testConfig(t, { mqtt: { host: '127.0.0.1', port: 0, anonymousState: true } }))
  const gw = await connectGateway(t, open.urls!.mqtt, 'rodoy-1')
  await publishJson(gw, 'helserom/v1/rodoy-1/status', statusMsg(true), true)
  await publishJson(gw, 'helserom/v1/rodoy-1/readiness', readinessMsg('amber'), true)
  await publishJson(gw, 'helserom/v1/rodoy-1/devices/spo2-1/health', healthMsg(), true)
  await publishJson(gw, 'helserom/v1/rodoy-1/devices/spo2-1/readings', readingMsg(1))

  // a real client without credentials, as an IT person would try first
  const port = new URL(open.urls!.mqtt).port
  const sub = await new Promise<{ stdout: string }>((resolve) => {
    // -W: give up after 2 s (exit 27) — by then the retained messages have long arrived
    execFile('mosquitto_sub', ['-h', '127.0.0.1', '-p', port, '-t', 'helserom/v1/#', '-v', '-W', '2'], (_err, stdout) => resolve({ stdout }))
  })
  const topicsSeen = sub.stdout.trim().split('\n').map((line) => line.split(' ')[0]).sort()
  t.same(topicsSeen, ['helserom/v1/rodoy-1/readiness', 'helserom/v1/rodoy-1/status'], 'the retained status and readiness; not device health, not readings')
  t.match(sub.stdout, /"level":"amber"/)

  const anonymous = await connectClient(t, open.urls!.mqtt)
  t.same(await subscribeGranted(anonymous, ['helserom/v1/+/readiness', 'helserom/v1/rodoy-1/devices/+/health', 'helserom/v1/+/schedule']), [1, 128, 128])
  anonymous.publish('helserom/v1/rodoy-1/readiness', JSON.stringify(readinessMsg('green')), { qos: 0 })
  await closed(anonymous)
  t.equal(open.fleet.get('rodoy-1')?.readiness?.level, 'amber', 'read-only: its publish closed the connection and changed nothing')

  const closedHub = await startTestHub(t)
  await t.rejects(connectClient(t, closedHub.urls!.mqtt), /Not authorized/, 'off by default: a client without credentials is refused')
})

t.test('a gateway\'s client id cannot be taken over by another identity', async (t) => {
  const hub = await startTestHub(t)
  const url = hub.urls!.mqtt
  const gw = await connectGateway(t, url, 'rodoy-1', { clientId: 'gw-rodoy' })
  await t.rejects(connectGateway(t, url, 'donna-1', { clientId: 'gw-rodoy' }), /Identifier rejected/)
  t.ok(gw.connected, 'the first gateway keeps its session')
})

t.test('the fleet shows a room\'s messages, and its Last Will takes it offline', async (t) => {
  const hub = await startTestHub(t)
  const gw = await connectGateway(t, hub.urls!.mqtt, 'rodoy-1')
  await publishJson(gw, 'helserom/v1/rodoy-1/status', statusMsg(true, 'boot-a'), true)
  await publishJson(gw, 'helserom/v1/rodoy-1/readiness', readinessMsg('amber'), true)
  const room = await waitFor('rodoy-1 amber in /api/rooms', async () => {
    const { body } = await getJson(`${hub.urls!.http}/api/rooms`, tokens.it)
    const r = body.rooms.find((x: { room: string }) => x.room === 'rodoy-1')
    return r?.readiness?.level === 'amber' ? r : undefined
  }, { timeoutMs: 5000 })
  t.equal(room.online, true)
  t.equal(room.boot, 'boot-a')
  t.equal(room.name, 'Helserom Rødøy')

  gw.stream.destroy() // the gateway vanishes without DISCONNECT: the broker publishes its Last Will
  await waitFor('rodoy-1 offline', async () => (await getJson(`${hub.urls!.http}/api/rooms/rodoy-1`, tokens.it)).body.online === false, { timeoutMs: 5000 })
  t.pass('the Last Will flipped online to false')
})

t.test('invalid payloads and unknown rooms are counted in /metrics; nothing else is lost', async (t) => {
  const hub = await startTestHub(t)
  const gw = await connectGateway(t, hub.urls!.mqtt, 'rodoy-1')
  const internal = await connectClient(t, hub.urls!.mqtt, { username: hub.internalCredentials.username, password: hub.internalCredentials.password })
  await gw.publishAsync('helserom/v1/rodoy-1/readiness', '{not json', { qos: 1 })
  await publishJson(gw, 'helserom/v1/rodoy-1/readiness', { level: 'purple', ts: 1 })
  await publishJson(gw, 'helserom/v1/rodoy-1/devices/spo2-1/readings', { ts: 1, seq: -1 })
  await publishJson(internal, 'helserom/v1/bodo-9/readiness', readinessMsg('green'))
  await publishJson(gw, 'helserom/v1/rodoy-1/readiness', readinessMsg('green'))
  await waitFor('the valid readiness after the bad ones', () => hub.fleet.get('rodoy-1')?.readiness?.level === 'green')
  const res = await fetch(hub.urls!.metrics)
  t.match(res.headers.get('content-type'), /text\/plain/)
  const text = await res.text()
  t.match(text, /helserom_hub_messages_rejected_total\{kind="readiness",cause="json"\} 1/)
  t.match(text, /helserom_hub_messages_rejected_total\{kind="readiness",cause="schema"\} 1/)
  t.match(text, /helserom_hub_messages_rejected_total\{kind="readings",cause="schema"\} 1/)
  t.match(text, /helserom_hub_messages_rejected_total\{kind="readiness",cause="unknown-room"\} 1/)
  t.match(text, /helserom_hub_messages_total\{kind="readiness"\} 1/)
  t.notOk(hub.fleet.has('bodo-9'), 'an unknown room is not created')
  t.ok(gw.connected, 'a gateway sending a bad payload is not cut off')
})

t.test('duplicate readings are dropped and gaps counted', async (t) => {
  const hub = await startTestHub(t)
  const gw = await connectGateway(t, hub.urls!.mqtt, 'rodoy-1')
  for (const seq of [0, 1, 1, 2, 4, 2]) await publishJson(gw, 'helserom/v1/rodoy-1/devices/spo2-1/readings', readingMsg(seq, 'boot-a'))
  const room = await waitFor('the readings counted', async () => {
    const { body } = await getJson(`${hub.urls!.http}/api/rooms/rodoy-1`, tokens.it)
    return body.readings.accepted + body.readings.duplicates === 6 ? body : undefined
  })
  t.same(room.readings, { accepted: 4, duplicates: 2, lost: 1, recovered: 0 })
  t.equal(room.devices['spo2-1'].lastReading.seq, 4)
  t.equal(await hub.metrics.value('helserom_hub_readings_duplicate_total'), 2)
})

t.test('an oversized MQTT packet closes that connection only', async (t) => {
  const config = await testConfig(t)
  const hub = await startTestHub(t, { ...config, mqtt: { ...config.mqtt, maxPacketBytes: 64 * 1024 } })
  const big = await connectGateway(t, hub.urls!.mqtt, 'rodoy-1')
  const other = await connectGateway(t, hub.urls!.mqtt, 'donna-1')
  big.publish('helserom/v1/rodoy-1/network', Buffer.alloc(100 * 1024, 0x20), { qos: 0 })
  await closed(big)
  t.equal(await hub.metrics.value('helserom_hub_mqtt_oversized_packets_total'), 1)
  await publishJson(other, 'helserom/v1/donna-1/readiness', readinessMsg('green'))
  await waitFor('the other gateway still served', () => hub.fleet.get('donna-1')?.readiness?.level === 'green')
})

t.test('MQTT over TLS when a certificate is configured', { skip: which('openssl') === null ? 'openssl is not installed' : false }, async (t) => {
  const dir = tempDir(t)
  const cert = join(dir, 'hub.crt')
  const key = join(dir, 'hub.key')
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' })
  t.equal(made.status, 0, 'openssl made a test certificate')
  const base = await testConfig(t)
  const config = hubConfig({ ...base, mqtt: { host: '127.0.0.1', port: 0, tls: { port: 0, cert, key } } })
  const hub = await startTestHub(t, config)
  t.match(hub.urls!.mqtts, /^mqtts:\/\/127\.0\.0\.1:\d+$/)
  const gw = await connectGateway(t, hub.urls!.mqtts!, 'rodoy-1', { ca: readFileSync(cert), rejectUnauthorized: true })
  await publishJson(gw, 'helserom/v1/rodoy-1/readiness', readinessMsg('green'))
  await waitFor('readiness over TLS', () => hub.fleet.get('rodoy-1')?.readiness?.level === 'green')
  await t.rejects(connectGateway(t, hub.urls!.mqtts!, 'rodoy-1', { ca: readFileSync(cert), password: 'wrong' }), /Bad username or password/, 'the same auth over TLS')
})

t.test('stop() leaves nothing listening', async (t) => {
  const hub = await startTestHub(t)
  const urls = hub.urls!
  const gw = await connectGateway(t, urls.mqtt, 'rodoy-1')
  await hub.stop()
  await closed(gw)
  await t.rejects(fetch(`${urls.http}/healthz`), 'HTTP is closed')
  await t.rejects(connectGateway(t, urls.mqtt, 'rodoy-1'), 'MQTT is closed')
  await hub.stop()
  t.pass('stop() twice is fine')
})
