// Switches the pre-session check on for a gateway: on by default (T−30 and T−5 before each
// consultation, and `cmd/check.run`); off with `check: { enabled: false }`.
import type { Gateway } from '../gateway.js'
import type { GatewayExtension } from '../extensions.js'
import { PreSessionCheck } from './pre-session-check.js'

export function preSessionCheckExtension (gateway: Gateway): GatewayExtension | null {
  const config = gateway.config.check
  if (!config.enabled) return null
  return new PreSessionCheck({ config, log: gateway.log.child({ component: 'check' }) })
}
