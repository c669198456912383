// SerialSensorDriver over TCP, as through a serial device server (Moxa NPort in TCP server mode):
// a server that refuses, one that goes silent (the connection is recycled), one that goes away and
// comes back; probe-off and garbage reach the driver the same way as over a tty.
import t from 'tap'
import { serialSensorDriver, startSerialSensorSimulator } from '../../drivers/serial-sensor/index.js'
import { freePort, waitFor } from '../helpers/index.js'
import { runDriver, type RecordingSink } from './driver-contract.js'

const metric = (sink: RecordingSink, name: string): unknown => sink.lastHealth?.metrics?.[name]
const device = { id: 'spo2-1', name: 'Pulsoksymeter', kind: 'serial-sensor' }

t.test('nobody listening: down, naming the address and what to check', async (t) => {
  const port = await freePort()
  const { sink } = await runDriver(t, serialSensorDriver, { ...device, path: `tcp://127.0.0.1:${port}`, protocol: 'masimo-ascii' })
  const down = await waitFor('down', () => sink.lastHealth?.state === 'down' ? sink.lastHealth : undefined)
  t.equal(down.reason?.code, 'serial.unreachable')
  t.equal(down.reason?.message.en, `Pulsoksymeter: failed to open tcp://127.0.0.1:${port}: connection refused (is the serial device server on, in TCP server mode, on this port?)`)
  t.equal(down.metrics?.transport, 'tcp')

  // The device server comes up on that port: the driver finds it by itself.
  const simulator = await startSerialSensorSimulator({ tcpPort: port, intervalMs: 250 })
  t.teardown(() => simulator.stop())
  const upAt = Date.now()
  await waitFor('ok once the server listens', () => sink.lastHealth?.state === 'ok')
  t.comment(`ok ${Date.now() - upAt} ms after the device server started listening`)
})

t.test('a silent device server: down with the no-data sentence, the connection recycled, back when it talks', async (t) => {
  const simulator = await startSerialSensorSimulator({ tcpPort: 0, intervalMs: 200 })
  t.teardown(() => simulator.stop())
  const { sink } = await runDriver(t, serialSensorDriver, { ...device, ...simulator.deviceConfig })
  await waitFor('ok', () => sink.lastHealth?.state === 'ok')
  await simulator.setScenario('pause')
  const down = await waitFor('down', () => sink.lastHealth?.state === 'down' ? sink.lastHealth : undefined)
  t.equal(down.reason?.code, 'serial.silent')
  await waitFor('the silent connection is recycled', () => (metric(sink, 'silentReconnects') as number) >= 1)
  t.equal(sink.lastHealth?.reason?.code, 'serial.silent', 'still "no data" while reconnecting, not "connecting"')
  await simulator.setScenario('normal')
  await waitFor('ok again', () => sink.lastHealth?.state === 'ok', { timeoutMs: 15_000 })
})

t.test('device server gone and back; probe off and garbage over TCP', async (t) => {
  const simulator = await startSerialSensorSimulator({ tcpPort: 0, intervalMs: 250, model: 'radical-7' })
  t.teardown(() => simulator.stop())
  const { sink } = await runDriver(t, serialSensorDriver, { ...device, ...simulator.deviceConfig })
  await waitFor('ok', () => sink.lastHealth?.state === 'ok')
  t.ok('pvi' in (sink.readings.at(-1)?.values ?? {}), 'a Radical-7 sends PVI')

  await simulator.unplug()
  const down = await waitFor('down', () => sink.lastHealth?.state === 'down' ? sink.lastHealth : undefined)
  t.equal(down.reason?.code, 'serial.disconnected')
  await simulator.plug()
  const backAt = Date.now()
  await waitFor('a reading after the server is back', () => sink.readings.some((r) => r.at > backAt), { timeoutMs: 15_000 })
  t.comment(`first reading ${Date.now() - backAt} ms after the device server came back`)

  await simulator.setScenario('probe-off')
  const off = await waitFor('degraded', () => sink.lastHealth?.state === 'degraded' ? sink.lastHealth : undefined)
  t.equal(off.reason?.code, 'serial.sensor-off-patient')
  await simulator.setScenario('normal')
  await simulator.sendGarbage(1000)
  await waitFor('garbage counted', () => metric(sink, 'garbageLines') === 1000)
  await waitFor('ok', () => sink.lastHealth?.state === 'ok')
  t.same(sink.failures, [])
})
