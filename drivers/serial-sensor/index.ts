// The serial-sensor device family: pulse oximeters and other sensors that print a line per reading
// on a serial port (a USB adapter, or a serial device server over TCP). Registers the driver with
// the gateway as a DriverFactory.
import type { DriverFactory } from '../contract.js'
import { SerialSensorConfig, type SerialSensorDeviceConfig } from './config.js'
import { discoverSerialSensors } from './discover.js'
import { SerialSensorDriver } from './driver.js'

export const serialSensorDriver = {
  kind: 'serial-sensor',
  label: { nb: 'Seriell sensor (f.eks. pulsoksymeter)', en: 'Serial sensor (e.g. pulse oximeter)' },
  configSchema: SerialSensorConfig,
  // The driver reports every second, so ten seconds without a word from it means the driver is stuck.
  defaultStaleAfterMs: 10_000,
  // The room config has validated the entry against configSchema before it gets here.
  create: (config) => new SerialSensorDriver(config as SerialSensorDeviceConfig),
  discover: discoverSerialSensors
} satisfies DriverFactory

export { SerialSensorDriver } from './driver.js'
export { SerialSensorConfig } from './config.js'
export { startSerialSensorSimulator, type SerialSensorSimulator, type SerialSensorSimulatorOptions } from './simulator.js'
