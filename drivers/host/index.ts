// The host device family: the gateway box itself (Raspberry Pi 4/5 or Intel NUC). Its temperature,
// throttling and power supply, disk, memory, load and clock decide whether the room can rely on it.
import type { DriverFactory } from '../contract.js'
import { HostConfig } from './config.js'
import { HostDriver } from './driver.js'

export const hostDriver = {
  kind: 'host',
  label: { nb: 'Gatewayboksen', en: 'Gateway box' },
  configSchema: HostConfig,
  // Three default polls (30 s) and a little.
  defaultStaleAfterMs: 100_000,
  // Takes any entry: the driver fills in defaults itself and reports a broken entry as health.
  create: (config: Record<string, unknown>) => new HostDriver(config)
} satisfies DriverFactory<typeof HostConfig>

export { HostConfig } from './config.js'
export { HostDriver } from './driver.js'
