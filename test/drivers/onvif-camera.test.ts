// The abstract driver-contract suite against the onvif-camera simulator: vanish = the camera's
// port closes (unplugged), reappear = it listens again.
import t from 'tap'
import { driverContractSuite } from './driver-contract.js'
import { onvifCameraDriver } from '../../drivers/onvif-camera/index.js'
import { startOnvifCameraSimulator } from '../../drivers/onvif-camera/simulator.js'

driverContractSuite(t, {
  factory: onvifCameraDriver,
  givesReadings: false,
  // the simulator's deviceConfig names its presets patient and overview
  commandArgs: { 'ptz.gotoPreset': { preset: 'patient' }, 'ptz.move': { pan: 0.5, tilt: 0, zoom: 0, timeoutMs: 200 } },
  setup: async (t) => {
    const sim = await startOnvifCameraSimulator()
    t.teardown(() => sim.stop())
    return {
      config: { id: 'cam-1', name: 'Kamera', kind: 'onvif-camera', ...sim.deviceConfig, pollIntervalMs: 250, timeoutMs: 1500 },
      vanish: async () => await sim.setFault('offline'),
      reappear: async () => await sim.setFault(null)
    }
  }
})
