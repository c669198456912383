// Fault: the serial cable of a pulse oximeter is pulled (the pseudo-terminal pair is torn down, as
// a USB serial adapter disappears) and plugged back a while later. At the hub the device goes down,
// and after the return readings arrive again. The time from the return to the first reading at the
// hub is measured and printed against the 3 s the room's staff are promised; the test asserts only
// that it comes back (a busy CI machine must not turn a speed figure into a failure); the figure
// itself is measured in bench/detection.ts beside the 3 s target.
import t from 'tap'
import { startSerialSensorSimulator } from '../../drivers/serial-sensor/index.js'
import { socatPtyPair } from '../helpers/servers.js'
import { sleep, tempDir, waitFor } from '../helpers/index.js'
import { HubUnderTest, ROOM, startRoomGateway } from './fault-rig.js'

t.test('serial cable pulled and plugged back: down at the hub, then readings again', async (t) => {
  const pulledForMs = Number(process.env.HELSEROM_FAULT_PULL_MS ?? 2000)
  const dir = tempDir(t, 'helserom-fault-pty-')
  let pty = await socatPtyPair(t, dir)
  const simulator = await startSerialSensorSimulator({ ttyPath: pty.simulatorPath, devicePath: pty.devicePath, intervalMs: 250 })
  t.teardown(() => simulator.stop())
  const hub = new HubUnderTest(t)
  await hub.start()
  const gateway = await startRoomGateway(t, hub, [{ id: 'spo2-1', name: 'Pulsoksymeter', kind: 'serial-sensor', ...simulator.deviceConfig }])
  // What the gateway and the simulator say, for a failure message.
  const state = (): string => {
    const d = gateway.devices().find((x) => x.id === 'spo2-1')
    return `device ${d?.state ?? '?'} (${d?.reason?.message.en ?? 'no reason'}; ${JSON.stringify(d?.metrics ?? {})}); simulator: ${simulator.linesWritten} lines written, ${simulator.linesDropped} dropped`
  }
  const device = (): string | undefined => hub.hub!.fleet.get(ROOM)?.devices['spo2-1']?.state
  await waitFor('readings at the hub', () => hub.ledger.total >= 4)
  await waitFor('ok at the hub', () => device() === 'ok')

  const before = hub.ledger.total
  await pty.stop()
  const pulledAt = Date.now()
  await waitFor('down at the hub', () => device() === 'down', { timeoutMs: 15_000 })
  const downMs = Date.now() - pulledAt
  await sleep(Math.max(0, pulledForMs - downMs))
  const during = hub.ledger.total - before
  pty = await socatPtyPair(t, dir)
  const backAt = Date.now()
  await waitFor('a reading at the hub after the cable is back', () => (hub.ledger.lastAt.get('spo2-1') ?? 0) > backAt, { timeoutMs: 30_000 })
    .catch((err: Error) => { throw new Error(`${err.message}; ${state()}`) })
  const readingMs = Date.now() - backAt
  await waitFor('ok at the hub again', () => device() === 'ok', { timeoutMs: 30_000 })
  const okMs = Date.now() - backAt

  t.comment(`injected: cable pulled for ${backAt - pulledAt} ms (pty pair torn down, then recreated at the same path)`)
  t.comment(`down at the hub ${downMs} ms after the pull; first reading at the hub ${readingMs} ms after the return (target 3000 ms: ${readingMs <= 3000 ? 'met' : 'MISSED'}), ok again after ${okMs} ms; lost: the ${Math.round((backAt - pulledAt) / 250)} lines the sensor sent into a pulled cable (${during} readings arrived meanwhile)`)
  t.equal(device(), 'ok')
})
