// Switches the network monitor on for a gateway: on by default, measuring the hub path found from
// `hub.http` (or `network.echo`) and any configured targets; off with `network: { enabled: false }`,
// or when there is nothing to measure (no hub.http, no echo, no targets), which is logged once.
import type { Gateway } from '../gateway.js'
import type { GatewayExtension } from '../extensions.js'
import { hubEchoAddress } from './config.js'
import { NetworkMonitor } from './monitor.js'

export function networkMonitorExtension (gateway: Gateway): GatewayExtension | null {
  const config = gateway.config.network
  if (!config.enabled) return null
  const log = gateway.log.child({ component: 'network' })
  if (hubEchoAddress(gateway.config, config) === null && config.targets.length === 0) {
    log.warn('network not measured: the room config has no hub.http, no network.echo and no network.targets')
    return null
  }
  return new NetworkMonitor({ config, log })
}
