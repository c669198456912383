// External broker mode: the same hub as a client of a real Mosquitto, which the gateways talk to.
import t from 'tap'
import { Hub } from '../../cloud/hub.js'
import { testLogger, waitFor } from '../helpers/index.js'
import { startMosquitto } from '../helpers/servers.js'
import { connectClient, getJson, publishJson, readingMsg, readinessMsg, startTestHub, statusMsg, testConfig, tokens } from './hub-fixtures.js'

t.test('the hub runs against Mosquitto and shows the room', async (t) => {
  const mosquitto = await startMosquitto(t)
  const config = await testConfig(t, { broker: { mode: 'external', url: mosquitto.url } })
  const hub = await startTestHub(t, config)
  t.equal(hub.urls!.mqtt, mosquitto.url, 'gateways are sent to the external broker')
  t.equal(hub.broker.mode, 'external')
  await waitFor('the hub connected to mosquitto', () => hub.broker.connected)

  // Mosquitto does the device auth here (this one is anonymous); the gateway connects to it directly.
  const gw = await connectClient(t, mosquitto.url, {
    clientId: 'gw-rodoy-1',
    will: { topic: 'helserom/v1/rodoy-1/status', payload: Buffer.from('{"online":false}'), qos: 1, retain: true }
  })
  await publishJson(gw, 'helserom/v1/rodoy-1/status', statusMsg(true, 'boot-x'), true)
  await publishJson(gw, 'helserom/v1/rodoy-1/readiness', readinessMsg('amber'), true)
  await publishJson(gw, 'helserom/v1/bodo-9/readiness', readinessMsg('green'))
  await publishJson(gw, 'helserom/v1/rodoy-1/readiness', '{"level":"nope"}')
  for (const seq of [0, 1, 1]) await publishJson(gw, 'helserom/v1/rodoy-1/devices/spo2-1/readings', readingMsg(seq))

  const room = await waitFor('rodoy-1 in /api/rooms', async () => {
    const { body } = await getJson(`${hub.urls!.http}/api/rooms/rodoy-1`, tokens.it)
    return body.readiness?.level === 'amber' && body.readings.duplicates === 1 ? body : undefined
  }, { timeoutMs: 5000 })
  t.equal(room.online, true)
  t.equal(room.boot, 'boot-x')
  t.equal(room.readings.accepted, 2)
  t.equal(await hub.metrics.value('helserom_hub_messages_rejected_total', { cause: 'unknown-room' }), 1)
  t.equal(await hub.metrics.value('helserom_hub_messages_rejected_total', { cause: 'schema' }), 1)

  const health = await getJson(`${hub.urls!.http}/healthz`)
  t.equal(health.body.status, 'ok')
  t.same(health.body.broker, { mode: 'external', connected: true, clients: null, lastError: null })

  // the hub's schedule reaches the gateway through mosquitto, retained
  await gw.subscribeAsync('helserom/v1/rodoy-1/schedule', { qos: 1 })
  const got = new Promise<string>((resolve) => gw.once('message', (_topic, payload) => resolve(payload.toString())))
  await hub.publishSchedule('rodoy-1', [])
  t.equal(await got, '[]')

  gw.stream.destroy()
  await waitFor('the Last Will through mosquitto', () => hub.fleet.get('rodoy-1')?.online === false, { timeoutMs: 10_000 })
  t.pass('online went false')
})

t.test('the hub starts while the external broker is down, and connects when it comes', async (t) => {
  const mosquitto = await startMosquitto(t)
  await mosquitto.stop()
  const config = await testConfig(t, { broker: { mode: 'external', url: mosquitto.url } })
  const hub = await startTestHub(t, config, { brokerConnectTimeoutMs: 200 })
  const health = await getJson(`${hub.urls!.http}/healthz`)
  t.equal(health.status, 503)
  t.equal(health.body.status, 'down')
  await mosquitto.restart()
  await waitFor('the hub to connect', () => hub.broker.connected, { timeoutMs: 15_000 })
  const gw = await connectClient(t, mosquitto.url)
  await publishJson(gw, 'helserom/v1/donna-1/readiness', readinessMsg('green'))
  await waitFor('the message after the late connection', () => hub.fleet.get('donna-1')?.readiness?.level === 'green')
  t.pass('subscribed on the late connection')
})

t.test('readings Mosquitto took while the hub was restarting reach the hub when it is back', async (t) => {
  // The gateway's spool lets a reading go once the broker acknowledges it; with an external broker
  // that happens whether the hub is there or not, so the broker must keep them for the hub.
  const mosquitto = await startMosquitto(t)
  const config = await testConfig(t, { broker: { mode: 'external', url: mosquitto.url } })
  const first = await startTestHub(t, config)
  await waitFor('the hub connected to mosquitto', () => first.broker.connected)
  const gw = await connectClient(t, mosquitto.url)
  await publishJson(gw, 'helserom/v1/rodoy-1/devices/spo2-1/readings', readingMsg(1))
  await waitFor('the first reading', () => first.fleet.get('rodoy-1')?.readings.accepted === 1)

  await first.stop()
  for (let seq = 2; seq <= 200; seq++) await publishJson(gw, 'helserom/v1/rodoy-1/devices/spo2-1/readings', readingMsg(seq))
  const again = new Hub(config, { logger: testLogger() })
  t.teardown(async () => await again.stop())
  const seqs: number[] = []
  again.ingest.on('reading', (e) => seqs.push(e.reading.seq)) // they pour in the moment it connects
  await again.start()
  await waitFor('the readings sent while the hub was away', () => again.fleet.get('rodoy-1')?.readings.accepted === 199, { timeoutMs: 10_000 })
  t.same(seqs, Array.from({ length: 199 }, (_, i) => i + 2), 'all 199, in order, none twice')
})
