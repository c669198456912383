// The gateway against a real Mosquitto broker in place of the hub's: retained state for any
// subscriber, readiness following device health, the Last Will on a cut link, and readings
// spooled through a broker outage arriving in order, replayed ones marked historical.
import t, { type Test } from 'tap'
import { startMosquitto } from '../helpers/servers.js'
import { tempDir, waitFor } from '../helpers/index.js'
import { roomConfig, startGateway } from './room-fixture.js'
import { watchTopics } from './mqtt-watcher.js'
import { scriptedDriver, scriptFor, scripts, downReason } from './scripted-driver.js'

const factories = { scripted: scriptedDriver }
const net = { rttMs: 12, jitterMs: 2, lossPct: 0, upMbps: 50, downMbps: 50, ifaceUtilPct: 1 }

function roomFor (t: Test, url: string): ReturnType<typeof roomConfig> {
  return roomConfig(t, {
    room: 'rodoy-1',
    hub: { url },
    devices: [{ id: 'cam-1', name: 'Kamera', kind: 'scripted' }, { id: 'spo2-1', name: 'Pulsoksymeter', kind: 'scripted' }],
    profiles: { ortopedi: { label: { nb: 'Ortopedi', en: 'Orthopaedics' }, requires: ['cam-1'] } }
  })
}

t.beforeEach(() => scripts.clear())

t.test('retained status and readiness are there for any subscriber; readiness follows the camera', async (t) => {
  const broker = await startMosquitto(t)
  const gateway = await startGateway(t, roomFor(t, broker.url), factories)
  gateway.setNetwork({ ...net, ts: Date.now() })
  await waitFor('gateway connected', () => gateway.uplinkConnected)
  await waitFor('green', () => gateway.readiness?.level === 'green')
  const late = await watchTopics(t, broker.url)
  const status = await waitFor('retained status', () => late.seen.find((m) => m.topic === 'helserom/v1/rodoy-1/status'))
  t.equal(status.retain, true)
  t.equal(status.payload.online, true)
  t.equal(status.payload.boot, gateway.boot)
  const readiness = await waitFor('retained readiness', () => late.seen.find((m) => m.topic === 'helserom/v1/rodoy-1/readiness'))
  t.equal(readiness.payload.level, 'green')
  await waitFor('retained camera health', () => late.seen.find((m) => m.topic === 'helserom/v1/rodoy-1/devices/cam-1/health'))

  scriptFor('cam-1').health = { state: 'down', reason: downReason }
  const red = await waitFor('red readiness over MQTT', () => late.seen.find((m) => m.topic.endsWith('/readiness') && m.payload.level === 'red'))
  t.match((red.payload.summary as { nb: string }).nb, /Testutstyret svarer ikke/)
})

t.test('the Last Will tells subscribers when the gateway\'s link is cut', async (t) => {
  const broker = await startMosquitto(t)
  const gateway = await startGateway(t, roomFor(t, broker.url), factories, { uplink: { reconnectPeriodMs: 60_000, keepaliveS: 5 } })
  await waitFor('gateway connected', () => gateway.uplinkConnected)
  const watcher = await watchTopics(t, broker.url)
  await waitFor('online', () => watcher.seen.find((m) => m.topic.endsWith('/status') && m.payload.online === true))
  // Cut the TCP connection without an MQTT DISCONNECT, as a pulled cable or a crash would.
  const client = (gateway.uplink as unknown as { client: { stream: { destroy: () => void } } }).client
  client.stream.destroy()
  const will = await waitFor('will', () => watcher.seen.find((m) => m.topic.endsWith('/status') && m.payload.online === false))
  t.equal(will.payload.boot, gateway.boot, 'the will names the run that died')
})

t.test('readings spooled through a broker outage all arrive, in order, the replayed ones historical', async (t) => {
  const persistenceDir = tempDir(t, 'helserom-mosq-data-')
  let broker = await startMosquitto(t, { persistenceDir })
  scriptFor('spo2-1').readingsPerSecond = 10
  const gateway = await startGateway(t, roomFor(t, broker.url), factories)
  // A persistent session keeps the subscriber's messages queued in Mosquitto across its restart.
  const watcher = await watchTopics(t, broker.url, { clientId: 'watcher-1', clean: false })
  await waitFor('live readings', () => watcher.seen.filter((m) => m.topic.endsWith('spo2-1/readings')).length >= 5)

  await broker.stop()
  await waitFor('gateway notices', () => !gateway.uplinkConnected)
  const spooledBefore = gateway.spool.pending
  await new Promise((resolve) => setTimeout(resolve, 3000))
  t.ok(gateway.spool.pending > spooledBefore + 15, `readings spooled during the outage (${gateway.spool.pending})`)
  broker = await broker.restart()
  await waitFor('gateway back', () => gateway.uplinkConnected, { timeoutMs: 15_000 })
  await waitFor('spool drained', () => gateway.spool.pending === 0, { timeoutMs: 15_000 })
  const sent = gateway.metrics.readings
  const produced = (await sent.get()).values.find((v) => v.labels.device === 'spo2-1')?.value ?? 0
  await waitFor('every reading at the subscriber', () => new Set(watcher.seen.filter((m) => m.topic.endsWith('spo2-1/readings')).map((m) => m.payload.seq)).size >= produced, { timeoutMs: 15_000 })

  const readings = watcher.seen.filter((m) => m.topic.endsWith('spo2-1/readings')).map((m) => m.payload)
  const firstArrival = new Map<number, Record<string, unknown>>()
  for (const r of readings) if (!firstArrival.has(r.seq as number)) firstArrival.set(r.seq as number, r)
  const seqs = [...firstArrival.keys()]
  t.same(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), 'no gap, in order')
  t.ok(readings.every((r) => r.boot === gateway.boot))
  const historical = readings.filter((r) => r.historical === true).length
  t.ok(historical >= 15, `replayed readings are marked historical (${historical})`)
  t.comment(`produced ${produced}, delivered ${seqs.length} distinct, ${readings.length - seqs.length} duplicate deliveries, ${historical} historical`)
})
