// The gateway's logger for an extension. Gateway keeps its logger private and hands extensions only
// itself, so this reads it from there, falling back to a silent logger if it is ever renamed.
// (Suggested to the lead: expose `log` on Gateway, or pass it to `GatewayExtension.start`.)
import { pino, type Logger } from 'pino'
import type { Gateway } from '../gateway.js'

export function gatewayLog (gateway: Gateway, component: string): Logger {
  const log = (gateway as unknown as { log?: Logger }).log
  return (log ?? pino({ level: 'silent' })).child({ component })
}
