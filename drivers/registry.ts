// Every device family the gateway can run, by the `kind` a room config names.
import type { DriverFactory } from './contract.js'

export const driverFactories: Readonly<Record<string, DriverFactory>> = {}

export function driverFactory (kind: string): DriverFactory | undefined {
  return Object.hasOwn(driverFactories, kind) ? driverFactories[kind] : undefined
}
