// Fault: garbage on the inputs. 100,000 broken lines on a sensor's serial line (a wrong baud rate,
// a noisy cable) must be counted by the gateway while it keeps running and readings keep reaching
// the hub; 10,000 invalid MQTT payloads from a gateway's account must be rejected and counted by
// the hub, one by one, while another room's stream loses nothing.
import t from 'tap'
import mqtt from 'mqtt'
import { startSerialSensorSimulator } from '../../drivers/serial-sensor/index.js'
import { topics } from '../../protocol/topics.js'
import { socatPtyPair } from '../helpers/servers.js'
import { waitFor } from '../helpers/index.js'
import { HubUnderTest, OTHER_ROOM, ROOM, startRoomGateway, trackSeqs } from './fault-rig.js'

t.test('100,000 garbage serial lines: counted, no crash, readings go on to the hub', async (t) => {
  const lines = Number(process.env.HELSEROM_FAULT_GARBAGE_LINES ?? 100_000)
  const pty = await socatPtyPair(t)
  const simulator = await startSerialSensorSimulator({ ttyPath: pty.simulatorPath, devicePath: pty.devicePath, intervalMs: 250 })
  t.teardown(() => simulator.stop())
  const hub = new HubUnderTest(t)
  await hub.start()
  const gateway = await startRoomGateway(t, hub, [{ id: 'spo2-1', name: 'Pulsoksymeter', kind: 'serial-sensor', ...simulator.deviceConfig }])
  const lastSeq = trackSeqs(gateway)
  const status = (): { metrics: Record<string, unknown>, restarts: number, state: string } => gateway.devices().find((d) => d.id === 'spo2-1')!
  await waitFor('readings at the hub', () => hub.ledger.total >= 2)

  const started = Date.now()
  await simulator.sendGarbage(lines)
  await waitFor(`${lines} garbage lines counted`, () => status().metrics.garbageLines === lines, { timeoutMs: 90_000 })
  const countedMs = Date.now() - started
  const after = Date.now()
  await waitFor('readings at the hub after the flood', () => (hub.ledger.lastAt.get('spo2-1') ?? 0) > after + 500, { timeoutMs: 15_000 })
  await waitFor('every reading at the hub', () => hub.ledger.complete(gateway.boot, lastSeq))
  const missing = hub.ledger.missing('spo2-1', gateway.boot, lastSeq['spo2-1'] ?? 0)

  t.comment(`injected: ${simulator.garbageWritten} garbage lines on the serial line between good ones (a line every 250 ms)`)
  t.comment(`counted: ${String(status().metrics.garbageLines)} garbage lines in ${countedMs} ms; driver restarts ${status().restarts}; lost: ${missing.length} of ${lastSeq['spo2-1'] ?? 0} readings`)
  t.equal(status().metrics.garbageLines, lines, 'every garbage line counted')
  t.equal(status().restarts, 0, 'the driver never crashed')
  t.equal(status().state, 'ok', 'the device is ok again')
  t.same(missing, [], 'no good reading lost')
})

t.test('10,000 invalid MQTT payloads: rejected and counted by the hub, another room loses nothing', async (t) => {
  const count = Number(process.env.HELSEROM_FAULT_INVALID_PAYLOADS ?? 10_000)
  const hub = new HubUnderTest(t)
  await hub.start()
  const gateway = await startRoomGateway(t, hub, [{ id: 'load-1', kind: 'bench-load', ratePerSecond: 20 }])
  const lastSeq = trackSeqs(gateway)
  await waitFor('live readings', () => hub.ledger.total >= 10)
  const rejectedBefore = await hub.hub!.metrics.value('helserom_hub_messages_rejected_total')

  const client = await mqtt.connectAsync(hub.mqttUrl, { username: OTHER_ROOM, password: hub.passwords[OTHER_ROOM], clientId: 'gateway-fault-2', protocolVersion: 4, reconnectPeriod: 0 })
  t.teardown(async () => { await client.endAsync(true) })
  let closed = 0
  client.on('close', () => { closed++ })
  // Valid topics of its own room (the ACL lets them through), payloads that break the contract.
  const kinds: Array<[string, () => string | Buffer]> = [
    [topics.readings(OTHER_ROOM, 'spo2-1'), () => '{"ts": 1, "boot": "b", "values": {}'],                       // cut short: not JSON
    [topics.readings(OTHER_ROOM, 'spo2-1'), () => JSON.stringify({ ts: Date.now(), boot: 'b', values: {}, units: {} })], // no seq
    [topics.readiness(OTHER_ROOM), () => JSON.stringify({ level: 'purple', profile: null, session: null, reasons: [], ts: 1 })],
    [topics.health(OTHER_ROOM, 'cam-1'), () => JSON.stringify({ kind: 'x', state: 'ok', reason: null, metrics: { a: { nested: true } }, ts: 1 })],
    [topics.network(OTHER_ROOM), () => JSON.stringify({ rttMs: -5, jitterMs: 1, lossPct: 200, upMbps: 1, downMbps: 1, ifaceUtilPct: 1, ts: 1 })],
    [topics.status(OTHER_ROOM), () => Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x7b])],                           // binary
    [topics.readings(OTHER_ROOM, 'spo2-1'), () => JSON.stringify([1, 2, 3])],
    [topics.check(OTHER_ROOM), () => 'null']
  ]
  const started = Date.now()
  for (let i = 0; i < count; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, count - i) }, async (_, j) => {
      const [topic, payload] = kinds[(i + j) % kinds.length]!
      await client.publishAsync(topic, payload(), { qos: 1 })
    }))
  }
  const sentMs = Date.now() - started
  const rejected = await waitFor('every invalid payload counted', async () => {
    const n = await hub.hub!.metrics.value('helserom_hub_messages_rejected_total') - rejectedBefore
    return n >= count ? n : undefined
  }, { timeoutMs: 30_000 })
  await waitFor('every reading of the other room at the hub', () => hub.ledger.complete(gateway.boot, lastSeq))
  const missing = hub.ledger.missing('load-1', gateway.boot, lastSeq['load-1'] ?? 0)
  const health = await fetch(`${hub.httpUrl}/healthz`).then(async (r) => await r.json() as { status: string })

  t.comment(`injected: ${count} invalid payloads (${kinds.length} kinds: broken JSON, binary, missing and out-of-range fields) in ${sentMs} ms from ${OTHER_ROOM}'s account`)
  t.comment(`counted: ${rejected} rejected at the hub; the sender's connection closed ${closed} times; lost: ${missing.length} of ${lastSeq['load-1'] ?? 0} readings of ${ROOM} streaming meanwhile; hub ${health.status}`)
  t.equal(rejected, count, 'each one rejected and counted, exactly')
  t.equal(closed, 0, 'an invalid payload is refused, the connection kept')
  t.same(missing, [], 'the other room lost nothing')
  t.equal(health.status, 'ok', 'the hub is healthy')
})
