// The host device family: the gateway box itself (Raspberry Pi 4/5 or Intel NUC). Its temperature,
// throttling and power supply, disk, memory, load and clock decide whether the room can rely on it.
import type { DriverFactory } from '../contract.js'
import { HostConfig, withDefaults } from './config.js'
import { HostDriver } from './driver.js'

export const hostDriver = {
  kind: 'host',
  label: { nb: 'Gatewayboksen', en: 'Gateway box' },
  configSchema: HostConfig,
  // Three default polls (30 s) and a little.
  defaultStaleAfterMs: 100_000,
  // Three polls, each waiting at most for its helper tools (run side by side, then the clock's).
  staleAfterMs: (config) => {
    const c = withDefaults(config)
    return 3 * c.pollIntervalMs + 2 * c.toolTimeoutMs
  },
  // Takes any entry: the driver fills in defaults itself and reports a broken entry as health.
  create: (config: Record<string, unknown>) => new HostDriver(config)
} satisfies DriverFactory<typeof HostConfig>

export { HostConfig } from './config.js'
export { HostDriver } from './driver.js'
