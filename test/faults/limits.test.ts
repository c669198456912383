// Fault: hostile or broken input at the edges, while a room streams. Oversized MQTT packets and
// HTTP bodies are refused; a gateway publishing under another room is cut off and changes nothing
// there; every /api route the hub documents (found in its OpenAPI document, so routes added later
// are covered too) answers 401 without a token or with a wrong one; the gateway's command API
// answers 401 without its admin token. Meanwhile the streaming room loses no reading.
import t from 'tap'
import mqtt from 'mqtt'
import WebSocket from 'ws'
import { topics } from '../../protocol/topics.js'
import { waitFor } from '../helpers/index.js'
import { HubUnderTest, OTHER_ROOM, ROOM, startRoomGateway, trackSeqs } from './fault-rig.js'

const ADMIN_TOKEN = 'local-admin-token-0123456789'

async function attacker (hub: HubUnderTest): Promise<mqtt.MqttClient> {
  return await mqtt.connectAsync(hub.mqttUrl, { username: OTHER_ROOM, password: hub.passwords[OTHER_ROOM], clientId: `gateway-${OTHER_ROOM}`, protocolVersion: 4, reconnectPeriod: 0 })
}

/** Publishes and resolves with whether the broker cut the connection for it. */
async function publishIsRefused (client: mqtt.MqttClient, topic: string, payload: Buffer | string): Promise<boolean> {
  const closed = new Promise<boolean>((resolve) => client.once('close', () => resolve(true)))
  client.publish(topic, payload, { qos: 1 }, () => {})
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 3000))
  const refused = await Promise.race([closed, timeout])
  await client.endAsync(true)
  return refused
}

t.test('oversized input, cross-room publishes and calls without a token are refused; the room streaming meanwhile loses nothing', async (t) => {
  const hub = new HubUnderTest(t)
  const hubInstance = await hub.start()
  const gateway = await startRoomGateway(t, hub, [{ id: 'load-1', kind: 'bench-load', ratePerSecond: 20 }], {
    fields: { local: { host: '127.0.0.1', mqttPort: 0, httpPort: 0, adminToken: ADMIN_TOKEN } }
  })
  const lastSeq = trackSeqs(gateway)
  await waitFor('live readings', () => hub.ledger.total >= 10)
  await waitFor('the room\'s readiness at the hub', () => hubInstance.fleet.get(ROOM)?.readiness !== null)
  const levelBefore = hubInstance.fleet.get(ROOM)?.readiness?.level
  const metric = async (name: string, labels: Record<string, string> = {}): Promise<number> => await hubInstance.metrics.value(name, labels)

  // Cross-room: fault-2's valid credentials, fault-1's topics.
  const crossAttempts = 10
  let crossRefused = 0
  for (let i = 0; i < crossAttempts; i++) {
    const topic = i % 2 === 0 ? topics.readiness(ROOM) : topics.readings(ROOM, 'load-1')
    const payload = i % 2 === 0
      ? JSON.stringify({ level: levelBefore === 'red' ? 'green' : 'red', profile: null, session: null, reasons: [], ts: Date.now() })
      : JSON.stringify({ ts: Date.now(), boot: 'forged', seq: i + 1, values: { n: -1 }, units: {} })
    if (await publishIsRefused(await attacker(hub), topic, payload)) crossRefused++
  }
  const deniedOtherRoom = await metric('helserom_hub_auth_denied_total', { surface: 'mqtt', action: 'publish', reason: 'other-room' })

  // Oversized MQTT packets (1 MiB, above mqtt.maxPacketBytes) on the attacker's own valid topic.
  const bigAttempts = 5
  let bigRefused = 0
  for (let i = 0; i < bigAttempts; i++) {
    if (await publishIsRefused(await attacker(hub), topics.readings(OTHER_ROOM, 'spo2-1'), Buffer.alloc(1024 * 1024, 0x41))) bigRefused++
  }
  const oversized = await metric('helserom_hub_mqtt_oversized_packets_total')

  // Oversized HTTP bodies: the hub's API (bodyLimit 1 MiB) and the gateway's command API (64 KiB).
  const bigBody = JSON.stringify([{ id: 'x'.repeat(2 * 1024 * 1024), start: 0, minutes: 1, profile: 'p' }])
  const hubBody = await fetch(`${hub.httpUrl}/api/rooms/${ROOM}/schedule`, { method: 'PUT', body: bigBody, headers: { 'content-type': 'application/json', authorization: `Bearer ${hub.itToken}` } })
  const gwBody = await fetch(`${gateway.urls.http}/api/devices/load-1/commands/x`, { method: 'POST', body: JSON.stringify({ pad: 'x'.repeat(200 * 1024) }), headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` } })
  // An oversized WebSocket message (the hub's /ws takes 64 KiB).
  const wsClose = await new Promise<number>((resolve) => {
    const ws = new WebSocket(`${hub.wsUrl}?token=${hub.itToken}`)
    ws.on('error', () => {})
    ws.once('open', () => ws.send(JSON.stringify({ type: 'subscribe', rooms: ['x'.repeat(200 * 1024)] })))
    ws.once('close', (code) => resolve(code))
  })

  // Every documented /api route without a token, and with a wrong one.
  const doc = await (await fetch(`${hub.httpUrl}/docs/json`)).json() as { paths: Record<string, Record<string, unknown>> }
  const calls: Array<{ method: string, url: string }> = []
  for (const [path, methods] of Object.entries(doc.paths)) {
    if (!path.startsWith('/api')) continue
    const url = path.replace(/\{room\}/g, ROOM).replace(/\{device\}/g, 'load-1').replace(/\{[^}]+\}/g, 'x')
    for (const method of Object.keys(methods)) if (['get', 'put', 'post', 'delete', 'patch'].includes(method)) calls.push({ method: method.toUpperCase(), url })
  }
  const notRefused: string[] = []
  for (const { method, url } of calls) {
    for (const headers of [{}, { authorization: 'Bearer not-a-valid-token-0123456789' }] as Array<Record<string, string>>) {
      const res = await fetch(`${hub.httpUrl}${url}`, { method, headers: { ...headers, ...(method !== 'GET' && method !== 'DELETE' ? { 'content-type': 'application/json' } : {}) }, ...(method !== 'GET' && method !== 'DELETE' ? { body: '{}' } : {}) })
      if (res.status !== 401) notRefused.push(`${method} ${url} ${'authorization' in headers ? '(wrong token)' : '(no token)'} → ${res.status}`)
    }
  }
  const gwNoToken = await fetch(`${gateway.urls.http}/api/devices/load-1/commands/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })

  // The room that streamed through all of it.
  await waitFor('every reading of the room at the hub', () => hub.ledger.complete(gateway.boot, lastSeq))
  const missing = hub.ledger.missing('load-1', gateway.boot, lastSeq['load-1'] ?? 0)
  const forged = hub.ledger.count('load-1', 'forged')
  const levelAfter = hubInstance.fleet.get(ROOM)?.readiness?.level
  const health = await (await fetch(`${hub.httpUrl}/healthz`)).json() as { status: string }

  t.comment(`injected: ${crossAttempts} cross-room publishes (${OTHER_ROOM} → ${ROOM}), ${bigAttempts} MQTT packets of 1 MiB, a 2 MiB hub API body, a 200 KiB gateway command body, a 200 KiB WebSocket message, ${calls.length * 2} /api calls without a valid token (${calls.length} documented routes × no token / wrong token), a gateway command without its token`)
  t.comment(`refused: cross-room ${crossRefused}/${crossAttempts} (hub counted ${deniedOtherRoom}), oversized MQTT ${bigRefused}/${bigAttempts} (counted ${oversized}), hub body ${hubBody.status}, gateway body ${gwBody.status}, WebSocket close ${wsClose}, /api ${calls.length * 2 - notRefused.length}/${calls.length * 2} → 401, gateway command ${gwNoToken.status}`)
  t.comment(`lost: ${missing.length} of ${lastSeq['load-1'] ?? 0} readings of ${ROOM}; forged readings accepted: ${forged}; readiness at the hub ${levelBefore} → ${levelAfter}; hub ${health.status}`)
  t.equal(crossRefused, crossAttempts, 'every cross-room publish cut off')
  t.equal(deniedOtherRoom, crossAttempts, 'and counted')
  t.equal(forged, 0, 'no forged reading reached the room')
  t.equal(levelAfter, levelBefore, 'the room\'s readiness at the hub is its own gateway\'s')
  t.equal(bigRefused, bigAttempts, 'every oversized MQTT packet cut off')
  t.equal(oversized, bigAttempts, 'and counted')
  t.equal(hubBody.status, 413, 'an oversized hub API body is refused')
  t.equal(gwBody.status, 413, 'an oversized gateway command body is refused')
  t.equal(wsClose, 1009, 'an oversized WebSocket message closes that socket (1009, too big)')
  t.ok(calls.length >= 3, `the OpenAPI document lists the /api routes (${calls.length})`)
  t.same(notRefused, [], 'every /api route answers 401 without a valid token')
  t.equal(gwNoToken.status, 401, 'the gateway\'s command API needs its admin token')
  t.same(missing, [], 'the streaming room lost nothing')
  t.equal(health.status, 'ok')
})
