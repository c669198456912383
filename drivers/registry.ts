// Every device family the gateway can run, by the `kind` a room config names.
import type { DriverFactory } from './contract.js'
import { onvifCameraDriver } from './onvif-camera/index.js'
import { serialSensorDriver } from './serial-sensor/index.js'
import { holoLensDriver } from './hololens/index.js'
import { videoStreamDriver } from './video-stream/index.js'
import { hostDriver } from './host/index.js'

export const driverFactories: Readonly<Record<string, DriverFactory>> = {
  'onvif-camera': onvifCameraDriver,
  'serial-sensor': serialSensorDriver,
  hololens: holoLensDriver,
  'video-stream': videoStreamDriver,
  host: hostDriver
}

export function driverFactory (kind: string): DriverFactory | undefined {
  return Object.hasOwn(driverFactories, kind) ? driverFactories[kind] : undefined
}
