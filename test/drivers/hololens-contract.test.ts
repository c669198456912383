// The abstract driver-contract suite against the HoloLens simulator: vanish = the Device Portal
// stops answering (port closed), reappear = it is back.
import t from 'tap'
import { driverContractSuite } from './driver-contract.js'
import { holoLensDriver } from '../../drivers/hololens/index.js'
import { startHoloLensSimulator } from '../../drivers/hololens/simulator.js'

driverContractSuite(t, {
  factory: holoLensDriver,
  givesReadings: false,
  setup: async (t) => {
    const sim = await startHoloLensSimulator()
    t.teardown(() => sim.stop())
    return {
      config: { id: 'hololens-1', name: 'HoloLens', kind: 'hololens', ...sim.deviceConfig, pollIntervalMs: 250, timeoutMs: 2000 },
      vanish: async () => await sim.goOffline('refuse'),
      reappear: async () => await sim.comeBack()
    }
  }
})
