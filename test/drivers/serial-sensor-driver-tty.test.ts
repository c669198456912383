// SerialSensorDriver against the simulator over real socat pty pairs: what staff and IT see when
// the probe comes off, the line is noisy or flooded, the cable is pulled, the port cannot be opened
// or the device goes quiet; and the Nonin and key=value protocols end to end.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { serialSensorDriver, startSerialSensorSimulator, type SerialSensorSimulator, type SerialSensorSimulatorOptions } from '../../drivers/serial-sensor/index.js'
import { socatPtyPair, type PtyPair } from '../helpers/servers.js'
import { tempDir, waitFor } from '../helpers/index.js'
import { runDriver, type RecordingSink } from './driver-contract.js'

interface Rig {
  simulator: SerialSensorSimulator
  config: Record<string, unknown> & { id: string, name: string, kind: string }
  pty: () => PtyPair
  /** Tears the pty pair down, as pulling the USB adapter does. */
  pull: () => Promise<void>
  /** A new pair at the same paths, as plugging it back does. */
  plugBack: () => Promise<void>
}

async function rig (t: Test, options: Omit<SerialSensorSimulatorOptions, 'ttyPath' | 'devicePath'> = {}): Promise<Rig> {
  const dir = tempDir(t, 'helserom-serial-')
  let pty = await socatPtyPair(t, dir)
  const simulator = await startSerialSensorSimulator({ ...options, ttyPath: pty.simulatorPath, devicePath: pty.devicePath })
  t.teardown(() => simulator.stop())
  return {
    simulator,
    config: { id: 'spo2-1', name: 'Pulsoksymeter', kind: 'serial-sensor', ...simulator.deviceConfig },
    pty: () => pty,
    pull: async () => { await pty.stop() },
    plugBack: async () => { pty = await socatPtyPair(t, dir) }
  }
}

const metric = (sink: RecordingSink, name: string): unknown => sink.lastHealth?.metrics?.[name]
const readingsAfter = (sink: RecordingSink, at: number): number => sink.readings.filter((r) => r.at > at).length

t.test('probe off: degraded with a sentence for staff, values flagged invalid', async (t) => {
  const { simulator, config } = await rig(t, { intervalMs: 250 })
  const { sink } = await runDriver(t, serialSensorDriver, config)
  await waitFor('health ok', () => sink.lastHealth?.state === 'ok')
  const ok = sink.lastHealth
  t.same(ok?.info, { vendor: 'Masimo', serial: '0000070001' }, 'the SN on each line feeds the device info')
  await simulator.setScenario('probe-off')
  const off = await waitFor('degraded', () => sink.lastHealth?.state === 'degraded' ? sink.lastHealth : undefined)
  t.equal(off.reason?.code, 'serial.sensor-off-patient')
  t.equal(off.reason?.message.nb, 'Sensoren til Pulsoksymeter sitter ikke på pasienten — fest den på fingeren')
  t.equal(off.reason?.message.en, 'Pulsoksymeter: sensor off patient')
  const reading = sink.readings.at(-1)
  t.same(reading?.conditions, ['sensor-off-patient'])
  t.equal(reading?.values.spo2, null, 'no value is passed as one')
  t.ok(reading?.invalid?.includes('spo2') && reading.invalid.includes('pulse'), 'spo2 and pulse flagged invalid')
  await simulator.setScenario('normal')
  await waitFor('ok again once the probe is back on', () => sink.lastHealth?.state === 'ok')
  t.same(sink.readings.at(-1)?.invalid, undefined, 'a good reading flags nothing')
})

t.test('garbage flood: 10,000 broken lines are counted, readings go on', async (t) => {
  const { simulator, config } = await rig(t, { intervalMs: 250 })
  const { sink } = await runDriver(t, serialSensorDriver, config)
  await waitFor('a first reading', () => sink.readings.length > 0)
  await simulator.sendGarbage(10_000)
  await waitFor('all 10,000 garbage lines counted', () => metric(sink, 'garbageLines') === 10_000, { timeoutMs: 30_000 })
  const floodEnd = Date.now()
  await waitFor('readings after the flood', () => readingsAfter(sink, floodEnd) >= 2)
  await waitFor('health ok after the flood', () => sink.lastHealth?.state === 'ok' && metric(sink, 'garbageLines') === 10_000 ? true : undefined)
  t.equal(metric(sink, 'garbageLines'), 10_000)
  t.type(metric(sink, 'lastGarbage'), 'string', 'the last garbage reason is in the metrics')
  t.same(sink.failures, [], 'never fatal')
  t.comment(`lines ${String(metric(sink, 'lines'))}, readings ${String(metric(sink, 'readings'))}, garbage ${String(metric(sink, 'garbageLines'))}`)
})

t.test('noisy line: broken lines between good ones are counted, health stays ok', async (t) => {
  const { simulator, config } = await rig(t, { intervalMs: 200, scenario: 'noisy', seed: 3 })
  const { sink } = await runDriver(t, serialSensorDriver, config)
  await waitFor('some garbage counted', () => (metric(sink, 'garbageLines') as number) >= 3)
  await waitFor('readings', () => sink.readings.length >= 5)
  t.equal(sink.lastHealth?.state, 'ok')
  t.ok(simulator.garbageWritten >= 3)
})

t.test('overlong lines are dropped and counted, memory stays bounded', async (t) => {
  const { simulator, config } = await rig(t, { intervalMs: 250 })
  const { sink } = await runDriver(t, serialSensorDriver, config)
  await waitFor('a first reading', () => sink.readings.length > 0)
  await simulator.writeRaw('A'.repeat(200_000) + '\r\n' + 'B'.repeat(5000) + '\r\n')
  await waitFor('two overlong lines counted', () => metric(sink, 'overlongLines') === 2)
  const after = Date.now()
  await waitFor('readings after', () => readingsAfter(sink, after) >= 1)
  t.equal(sink.lastHealth?.state, 'ok')
  t.equal(metric(sink, 'garbageLines'), 0, 'overlong lines are counted on their own')
})

t.test('only garbage for 3 intervals (wrong baud rate): degraded, unreadable', async (t) => {
  const { simulator, config } = await rig(t, { intervalMs: 200 })
  const { sink } = await runDriver(t, serialSensorDriver, config)
  await waitFor('health ok', () => sink.lastHealth?.state === 'ok')
  await simulator.setScenario('pause')
  let done = false
  const noise = (async () => { while (!done) { await simulator.sendGarbage(1); await new Promise((resolve) => setTimeout(resolve, 50)) } })()
  t.teardown(async () => { done = true; await noise })
  const bad = await waitFor('degraded', () => sink.lastHealth?.state === 'degraded' ? sink.lastHealth : undefined)
  t.equal(bad.reason?.code, 'serial.unreadable')
  t.equal(bad.reason?.message.nb, 'Uleselige data fra Pulsoksymeter — ring IT-support')
  t.match(bad.reason?.message.en, /none reads as masimo-ascii .*baud rate/)
  done = true
  await noise
  await simulator.setScenario('normal')
  await waitFor('ok again', () => sink.lastHealth?.state === 'ok')
})

t.test('cable pulled and plugged back: down at once, readings return', async (t) => {
  const { config, pull, plugBack } = await rig(t)
  const { sink } = await runDriver(t, serialSensorDriver, config)
  await waitFor('health ok', () => sink.lastHealth?.state === 'ok')
  const pulledAt = Date.now()
  await pull()
  const down = await waitFor('down after the pull', () => sink.lastHealth?.state === 'down' ? sink.lastHealth : undefined)
  t.comment(`down ${Date.now() - pulledAt} ms after the pull`)
  t.equal(down.reason?.code, 'serial.disconnected')
  t.equal(down.reason?.message.nb, 'Mistet kontakten med Pulsoksymeter — sjekk at kabelen sitter i')
  t.match(down.reason?.message.en, /lost .*ttyDEVICE/)
  await waitFor('a reconnect attempt failing while the tty is gone', () => (metric(sink, 'openFailures') as number) >= 1)
  const retrying = sink.lastHealth
  t.equal(retrying?.state, 'down')
  t.match(retrying?.reason?.message.en, /failed to open .*ttyDEVICE: no such device/)
  await plugBack()
  const backAt = Date.now()
  await waitFor('a reading after the cable is back', () => readingsAfter(sink, backAt) > 0, { timeoutMs: 15_000 })
  t.comment(`first reading ${Date.now() - backAt} ms after the tty came back`)
  await waitFor('health ok again', () => sink.lastHealth?.state === 'ok')
  t.ok((metric(sink, 'disconnects') as number) >= 1, 'the disconnect is counted')
  t.same(sink.failures, [])
})

t.test('a port that cannot be opened: down, with the path and a hint', async (t) => {
  const dir = tempDir(t)
  const missing = { id: 'spo2-1', name: 'Pulsoksymeter', kind: 'serial-sensor', path: join(dir, 'ttyUSB9'), protocol: 'masimo-ascii' }
  const { sink } = await runDriver(t, serialSensorDriver, missing)
  const down = await waitFor('down', () => sink.lastHealth?.state === 'down' ? sink.lastHealth : undefined)
  t.equal(down.reason?.code, 'serial.unreachable')
  t.equal(down.reason?.message.nb, 'Får ikke kontakt med Pulsoksymeter — sjekk at kabelen sitter i og at det er slått på')
  t.equal(down.reason?.message.en, `Pulsoksymeter: failed to open ${missing.path}: no such device (unplugged, or a different name after replugging? prefer /dev/serial/by-id/…)`)
  await waitFor('it keeps trying', () => (metric(sink, 'openFailures') as number) >= 3)

  const notATty = join(dir, 'not-a-tty')
  writeFileSync(notATty, 'hello\n')
  const { sink: sink2 } = await runDriver(t, serialSensorDriver, { ...missing, path: notATty })
  const unusable = await waitFor('down', () => sink2.lastHealth?.state === 'down' ? sink2.lastHealth : undefined)
  t.equal(unusable.reason?.code, 'serial.port-unusable')
  t.equal(unusable.reason?.message.nb, 'Pulsoksymeter kan ikke brukes av boksen — ring IT-support')
  t.match(unusable.reason?.message.en, /failed to open .*not-a-tty: not a serial port/)
})

t.test('a port another program holds: down, naming the lock', async (t) => {
  const { config } = await rig(t, { intervalMs: 250 })
  const { sink: first } = await runDriver(t, serialSensorDriver, config)
  await waitFor('first driver ok', () => first.lastHealth?.state === 'ok')
  const { sink: second } = await runDriver(t, serialSensorDriver, { ...config, id: 'spo2-2' })
  const down = await waitFor('second driver down', () => second.lastHealth?.state === 'down' ? second.lastHealth : undefined)
  t.equal(down.reason?.code, 'serial.port-unusable')
  t.match(down.reason?.message.en, /in use by another program/)
  t.equal(first.lastHealth?.state, 'ok', 'the first one is not disturbed')
})

t.test('the device goes quiet (paused, or unplugged at its end): down with the no-data sentence, back when it talks', async (t) => {
  const { simulator, config } = await rig(t, { intervalMs: 250 })
  const { sink } = await runDriver(t, serialSensorDriver, config)
  await waitFor('health ok', () => sink.lastHealth?.state === 'ok')
  for (const quiet of ['pause', 'unplug'] as const) {
    await simulator.setScenario(quiet)
    const down = await waitFor(`down when ${quiet}d`, () => sink.lastHealth?.state === 'down' ? sink.lastHealth : undefined)
    t.equal(down.reason?.code, 'serial.silent', quiet)
    t.equal(down.reason?.message.nb, 'Ingen data fra Pulsoksymeter — sjekk at det er slått på og at kabelen sitter i')
    t.equal(down.metrics?.portOpen, true, 'the port itself is still open')
    t.type(down.metrics?.lastLineAgeMs, 'number')
    if (quiet === 'unplug') await simulator.plug()
    else await simulator.setScenario('normal')
    await waitFor(`ok after ${quiet}`, () => sink.lastHealth?.state === 'ok')
  }
})

t.test('nonin-ascii end to end', async (t) => {
  const { simulator, config } = await rig(t, { protocol: 'nonin-ascii', intervalMs: 250 })
  t.equal(config.protocol, 'nonin-ascii')
  const { sink } = await runDriver(t, serialSensorDriver, config)
  const first = await waitFor('a reading', () => sink.readings[0])
  t.same(Object.keys(first.values), ['spo2', 'pulse'])
  t.same(first.units, { spo2: '%', pulse: '/min' })
  await waitFor('ok', () => sink.lastHealth?.state === 'ok')
  t.same(sink.lastHealth?.info, { vendor: 'Nonin' })
  await simulator.setScenario('probe-off')
  const off = await waitFor('degraded', () => sink.lastHealth?.state === 'degraded' ? sink.lastHealth : undefined)
  t.equal(off.reason?.code, 'serial.no-signal')
  t.same(sink.readings.at(-1)?.invalid, ['spo2', 'pulse'])
})

t.test('kv-line end to end, with the field map from the config', async (t) => {
  const { config } = await rig(t, { protocol: 'kv-line', intervalMs: 250 })
  const { sink } = await runDriver(t, serialSensorDriver, config)
  const first = await waitFor('a reading', () => sink.readings[0])
  t.same(Object.keys(first.values).sort(), ['pi', 'pulse', 'spo2'])
  t.same(first.units, { spo2: '%', pulse: '/min', pi: '%' })
  await waitFor('ok', () => sink.lastHealth?.state === 'ok')
})
