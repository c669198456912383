// Fault: the room's camera hangs (accepts connections, never answers — a locked-up camera). The
// readiness the hub shows for the room must turn red, and green again once the camera answers.
// Times are printed; the test asserts only that both transitions happen.
import t from 'tap'
import { startOnvifCameraSimulator } from '../../drivers/onvif-camera/simulator.js'
import { waitFor } from '../helpers/index.js'
import { goodNetwork, HubUnderTest, ROOM, startRoomGateway } from './fault-rig.js'

t.test('camera hangs: readiness red at the hub, and green again when it answers', async (t) => {
  const hangMs = Number(process.env.HELSEROM_FAULT_HANG_MS ?? 2000)
  const camera = await startOnvifCameraSimulator({})
  t.teardown(() => camera.stop())
  const hub = new HubUnderTest(t)
  await hub.start()
  const gateway = await startRoomGateway(t, hub, [{ id: 'cam-1', name: 'Kamera', kind: 'onvif-camera', ...camera.deviceConfig, pollIntervalMs: 500, timeoutMs: 500 }], {
    requires: ['cam-1'],
    fields: { readiness: { recoverAfterMs: 1000 } }
  })
  gateway.setNetwork({ ...goodNetwork, ts: Date.now() })
  const level = (): string | undefined => hub.hub!.fleet.get(ROOM)?.readiness?.level
  await waitFor('green at the hub', () => level() === 'green', { timeoutMs: 20_000 })

  await camera.setFault('hang')
  const hungAt = Date.now()
  await waitFor('red at the hub', () => level() === 'red', { timeoutMs: 30_000 })
  const redMs = Date.now() - hungAt
  const reason = hub.hub!.fleet.get(ROOM)?.readiness?.reasons.find((r) => r.device === 'cam-1')
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, hangMs - redMs)))
  await camera.setFault(null)
  const backAt = Date.now()
  await waitFor('green at the hub again', () => level() === 'green', { timeoutMs: 30_000 })
  const greenMs = Date.now() - backAt

  t.comment(`injected: camera hung (accepts, never answers) for ${backAt - hungAt} ms; poll every 500 ms, request timeout 500 ms, readiness recovers after 1000 ms stable`)
  t.comment(`red at the hub ${redMs} ms after the hang ("${reason?.message.nb ?? '?'}"), green again ${greenMs} ms after the camera answered; lost: nothing (the camera sends no readings)`)
  t.equal(reason?.code, 'camera.not-responding', 'the hub shows why')
  t.pass('red and back to green')
})
