// The driver-contract suite for serial-sensor over TCP, as through a serial device server (Moxa
// NPort in TCP server mode): the simulator serves the line stream on a loopback port. Vanishing is
// the device server going away (listener and connections closed); coming back is it listening again.
import t from 'tap'
import { serialSensorDriver, startSerialSensorSimulator } from '../../drivers/serial-sensor/index.js'
import { driverContractSuite } from './driver-contract.js'

driverContractSuite(t, {
  factory: serialSensorDriver,
  givesReadings: true,
  setup: async (t) => {
    const simulator = await startSerialSensorSimulator({ tcpPort: 0 })
    t.teardown(() => simulator.stop())
    return {
      config: { id: 'spo2-1', name: 'Pulsoksymeter', kind: 'serial-sensor', ...simulator.deviceConfig },
      vanish: async () => { await simulator.unplug() },
      reappear: async () => { await simulator.plug() }
    }
  }
})
