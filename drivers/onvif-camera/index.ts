// The onvif-camera device family: PTZ cameras driven over ONVIF (Profile S: device, media and PTZ
// services), with a staged health probe, preset integrity and WS-Discovery. The gateway's
// supervisor finds the family here; `helserom simulate onvif-camera` runs ./simulator.ts.
import type { BaseDeviceConfig, DriverFactory } from '../contract.js'
import { onvifCameraCommands } from './commands.js'
import { OnvifCameraConfig, cameraSettings } from './config.js'
import { discoverOnvifCameras } from './discovery.js'
import { OnvifCameraDriver } from './driver.js'

export const onvifCameraDriver = {
  kind: 'onvif-camera',
  label: { nb: 'PTZ-kamera (ONVIF)', en: 'PTZ camera (ONVIF)' },
  configSchema: OnvifCameraConfig,
  commands: onvifCameraCommands,
  // Three missed probes at the default 5 s interval, each allowed two 3 s timeouts.
  defaultStaleAfterMs: 35_000,
  staleAfterMs: (config) => {
    const { pollIntervalMs, timeoutMs } = cameraSettings(config as unknown as OnvifCameraConfig & BaseDeviceConfig)
    return 3 * (pollIntervalMs + 2 * timeoutMs) + 2000
  },
  // The supervisor has validated the entry against configSchema (deviceConfigSchema) before this.
  create: (config) => new OnvifCameraDriver(config as unknown as OnvifCameraConfig & BaseDeviceConfig),
  discover: discoverOnvifCameras
} satisfies DriverFactory

export { OnvifCameraDriver } from './driver.js'
export { OnvifCameraConfig } from './config.js'
export { startOnvifCameraSimulator } from './simulator.js'
export type { OnvifCameraSimulator, OnvifCameraSimulatorOptions, OnvifCameraFault, SimulatedPreset } from './simulator.js'
