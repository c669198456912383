// The driver-contract suite for serial-sensor, against the simulator over a real socat pty pair.
// Vanishing is what pulling a USB serial adapter does: the tty disappears (the socat pair is
// killed); coming back is a new pair at the same paths.
import t from 'tap'
import { serialSensorDriver, startSerialSensorSimulator } from '../../drivers/serial-sensor/index.js'
import { socatPtyPair, type PtyPair } from '../helpers/servers.js'
import { tempDir } from '../helpers/index.js'
import { driverContractSuite } from './driver-contract.js'

driverContractSuite(t, {
  factory: serialSensorDriver,
  givesReadings: true,
  setup: async (t) => {
    const dir = tempDir(t, 'helserom-serial-')
    let pty: PtyPair = await socatPtyPair(t, dir)
    const simulator = await startSerialSensorSimulator({ ttyPath: pty.simulatorPath, devicePath: pty.devicePath })
    t.teardown(() => simulator.stop())
    return {
      config: { id: 'spo2-1', name: 'Pulsoksymeter', kind: 'serial-sensor', ...simulator.deviceConfig },
      vanish: async () => { await pty.stop() },
      // The simulator reopens its end by itself, as a device keeps sending whatever the cable does.
      reappear: async () => { pty = await socatPtyPair(t, dir) }
    }
  }
})
