// The driver-contract suite for host, against the simulator's fake /sys + /proc tree; the box
// "vanishes" when that tree can no longer be read.
import t from 'tap'
import { hostDriver } from '../../drivers/host/index.js'
import { startHostSimulator } from '../../drivers/host/simulator.js'
import { driverContractSuite } from './driver-contract.js'

driverContractSuite(t, {
  factory: hostDriver,
  givesReadings: false,
  setup: async (t) => {
    const sim = await startHostSimulator({ driver: { pollIntervalMs: 200 } })
    t.teardown(sim.stop)
    return {
      config: { id: 'gateway', name: 'Boksen', kind: 'host', ...sim.deviceConfig },
      vanish: async () => { sim.makeUnreadable() },
      reappear: async () => { sim.makeReadable() }
    }
  }
})
