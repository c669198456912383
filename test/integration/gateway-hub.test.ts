// The spine end to end over real MQTT on loopback: a gateway with a real pulse-oximeter driver
// reading a simulator, talking to a real hub. The hub shows the room within seconds; a device
// that dies turns readiness red; the Will flips the room offline; readings spooled while the hub
// is down arrive exactly once and in order, the replayed ones marked historical.
import t, { type Test } from 'tap'
import { Hub } from '../../cloud/hub.js'
import type { ReadingEvent } from '../../cloud/ingest.js'
import { startSerialSensorSimulator } from '../../drivers/serial-sensor/simulator.js'
import { driverFactories } from '../../drivers/registry.js'
import { freePort, sleep, testLogger, waitFor } from '../helpers/index.js'
import { passwords, testConfig } from '../cloud/hub-fixtures.js'
import { roomConfig, startGateway } from '../gateway/room-fixture.js'

const net = { rttMs: 10, jitterMs: 1, lossPct: 0, upMbps: 50, downMbps: 50, ifaceUtilPct: 1 }

async function setup (t: Test, options: { hubMqttPort?: number } = {}): Promise<{ hub: Hub, readings: ReadingEvent[], gateway: Awaited<ReturnType<typeof startGateway>>, oximeter: Awaited<ReturnType<typeof startSerialSensorSimulator>>, config: Awaited<ReturnType<typeof testConfig>> }> {
  const mqttPort = options.hubMqttPort ?? await freePort()
  const config = await testConfig(t, { mqtt: { host: '127.0.0.1', port: mqttPort } })
  const hub = new Hub(config, { logger: testLogger() })
  t.teardown(async () => await hub.stop())
  const readings: ReadingEvent[] = []
  hub.ingest.on('reading', (e) => readings.push(e))
  await hub.start()
  const oximeter = await startSerialSensorSimulator({ tcpPort: 0, intervalMs: 100 })
  t.teardown(async () => await oximeter.stop())
  const gateway = await startGateway(t, roomConfig(t, {
    room: 'rodoy-1',
    hub: { url: `mqtt://127.0.0.1:${mqttPort}`, username: 'rodoy-1', password: passwords['rodoy-1'] },
    devices: [{ id: 'spo2-1', name: 'Pulsoksymeter', kind: 'serial-sensor', ...oximeter.deviceConfig, expectedIntervalMs: 100 }],
    profiles: { ortopedi: { label: { nb: 'Ortopedi', en: 'Orthopaedics' }, requires: ['spo2-1'] } }
  }), driverFactories)
  gateway.setNetwork({ ...net, ts: Date.now() })
  return { hub, readings, gateway, oximeter, config }
}

t.test('the hub shows the room within seconds, and a dead device turns it red', async (t) => {
  const { hub, gateway, oximeter } = await setup(t)
  const started = Date.now()
  const green = await waitFor('the room green at the hub', () => {
    const room = hub.fleet.get('rodoy-1')
    // health and readings travel through the spool, readiness directly: either may come first
    return room?.online === true && room.readiness?.level === 'green' && room.devices['spo2-1']?.state === 'ok' ? room : undefined
  }, { timeoutMs: 15_000 })
  t.comment(`room online and green at the hub ${Date.now() - started} ms after the gateway started`)
  t.equal(green.boot, gateway.boot)
  const spo2 = await waitFor('the latest SpO2 at the hub', () => hub.fleet.get('rodoy-1')?.devices['spo2-1']?.lastReading?.values.spo2 as number | undefined)
  t.ok(spo2 > 80, 'the latest SpO2 is at the hub')

  await oximeter.stop() // the device is switched off
  const red = await waitFor('red at the hub', () => hub.fleet.get('rodoy-1')?.readiness?.level === 'red' ? hub.fleet.get('rodoy-1') : undefined, { timeoutMs: 15_000 })
  t.match(red.readiness?.reasons[0]?.message.nb, /Pulsoksymeter/, 'the reason names the device as staff know it')
  t.equal(red.devices['spo2-1']?.state, 'down')
})

t.test('stopping the gateway uncleanly flips the hub\'s online through the Last Will', async (t) => {
  const { hub, gateway } = await setup(t)
  await waitFor('online', () => hub.fleet.get('rodoy-1')?.online === true, { timeoutMs: 15_000 })
  const client = (gateway.uplink as unknown as { client: { stream: { destroy: () => void }, options: { reconnectPeriod: number } } }).client
  client.options.reconnectPeriod = 60_000 // stay away, as a dead box would
  client.stream.destroy()
  await waitFor('offline at the hub', () => hub.fleet.get('rodoy-1')?.online === false, { timeoutMs: 15_000 })
  t.pass('the hub knows the room is offline')
})

t.test('readings spooled while the hub is down arrive exactly once, in order, replayed ones historical', async (t) => {
  const mqttPort = await freePort()
  const { hub, readings, gateway, config } = await setup(t, { hubMqttPort: mqttPort })
  await waitFor('live readings at the hub', () => readings.length >= 10, { timeoutMs: 15_000 })
  await hub.stop()
  await waitFor('the gateway notices', () => !gateway.uplinkConnected, { timeoutMs: 10_000 })
  await sleep(4000) // the oximeter keeps sending at 10 Hz while the hub is away
  const spooled = gateway.spool.pending
  t.ok(spooled >= 20, `readings waited on disk during the outage (${spooled})`)

  const second = new Hub(config, { logger: testLogger() })
  t.teardown(async () => await second.stop())
  second.ingest.on('reading', (e) => readings.push(e))
  await second.start()
  await waitFor('the spool drained', () => gateway.uplinkConnected && gateway.spool.pending === 0, { timeoutMs: 20_000 })
  const produced = (await gateway.metrics.readings.get()).values.find((v) => v.labels.device === 'spo2-1')?.value ?? 0
  await waitFor('every reading at the hubs', () => readings.length >= produced - 1, { timeoutMs: 10_000 })

  const seqs = readings.filter((e) => e.reading.boot === gateway.boot).map((e) => e.reading.seq)
  t.equal(new Set(seqs).size, seqs.length, 'no reading arrived twice')
  t.same(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), 'no gap, in order')
  t.ok(seqs.length >= produced - 1, `all ${produced} produced readings arrived (the last may be in flight)`)
  const historical = readings.filter((e) => e.reading.historical === true || e.historical)
  t.ok(historical.length >= spooled - 5, `the replayed ones are marked historical (${historical.length})`)
  t.comment(`produced ${produced}, arrived ${seqs.length}, historical ${historical.length}, spooled at peak ${spooled}`)
})
