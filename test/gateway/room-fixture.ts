// Builds a room config for tests the way a file would give it (defaults filled, checked), and
// starts a gateway on free ports with its data in a temp folder.
import { Value } from '@sinclair/typebox/value'
import { RoomConfig } from '../../gateway/config.js'
import { Gateway, type GatewayOptions } from '../../gateway/gateway.js'
import type { DriverFactory } from '../../drivers/contract.js'
import { tempDir, testLogger, type Teardown } from '../helpers/index.js'

export function roomConfig (t: Teardown, fields: Record<string, unknown>): RoomConfig {
  const dataDir = tempDir(t, 'helserom-gw-')
  const value = Value.Default(RoomConfig, structuredClone({
    name: 'Helserom Test', site: 'Testkommune', dataDir,
    local: { host: '127.0.0.1', mqttPort: 0, httpPort: 0 },
    readiness: { recoverAfterMs: 500 },
    ...fields
  }))
  const errors = [...Value.Errors(RoomConfig, value)].map((e) => `${e.path}: ${e.message}`)
  if (errors.length > 0) throw new Error(`test room config is invalid: ${errors.join('; ')}`)
  return value as RoomConfig
}

export async function startGateway (t: Teardown, config: RoomConfig, factories: Record<string, DriverFactory>, options: Partial<GatewayOptions> = {}): Promise<Gateway> {
  const gateway = new Gateway(config, {
    log: testLogger(),
    factories,
    uplink: { reconnectPeriodMs: 300, keepaliveS: 5 },
    supervisor: { backoffInitialMs: 200, backoffMaxMs: 2000 },
    ...options
  })
  t.teardown(async () => await gateway.stop())
  return await gateway.start()
}
