// HTTP Basic auth (RFC 7617) with a gateway's MQTT credentials, for the hub's HTTP endpoints that only
// gateways use (the probe endpoints of their network monitor): `Authorization: Basic
// base64(username:password)`, the user name and password the gateway logs in to the broker with
// (gateway/network/hub-credentials.ts sends them). Checked by GatewayCredentials, so the same
// passwords pass here as at the broker, and a password that passed once is not scrypt-hashed again.
// A refusal is counted (helserom_hub_auth_denied_total, surface http) and logged, rate-limited.
import type { FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { HubMetrics } from '../metrics.js'
import { RateLimitedLog } from '../rate-limited-log.js'
import type { GatewayCredentials } from './gateway-credentials.js'

/** The user name and password of a Basic `Authorization` header, or null when there is none. */
export function basicCredentials (header: string | undefined): { username: string, password: string } | null {
  const m = /^Basic[ ]+([A-Za-z0-9+/]+={0,2})[ ]*$/i.exec(header ?? '')
  if (m === null) return null
  const text = Buffer.from(m[1] as string, 'base64').toString('utf8')
  const colon = text.indexOf(':') // the user name has none; the password may
  if (colon <= 0) return null
  return { username: text.slice(0, colon), password: text.slice(colon + 1) }
}

export interface GatewayBasicAuthOptions {
  credentials: GatewayCredentials
  metrics: HubMetrics
  log: Pick<Logger, 'warn'>
  /** The action label of the denial metric, e.g. `probe`. */
  action: string
}

/**
 * An authorize hook (cloud/probe/probe-routes.ts): the gateway's user name when the request carries
 * its credentials, false otherwise.
 */
export function gatewayBasicAuth (options: GatewayBasicAuthOptions): (request: FastifyRequest) => Promise<string | false> {
  const warn = new RateLimitedLog(options.log)
  const deny = (request: FastifyRequest, reason: string, username?: string): false => {
    options.metrics.authDenied.inc({ surface: 'http', action: options.action, reason })
    warn.warn({ url: request.url.split('?')[0], username, remote: request.ip, reason }, 'refused gateway credentials over HTTP')
    return false
  }
  return async (request) => {
    const given = basicCredentials(request.headers.authorization)
    if (given === null) return deny(request, 'missing-credentials')
    const gateway = await options.credentials.verify(given.username, given.password)
    return gateway !== null ? given.username : deny(request, 'bad-credentials', given.username.slice(0, 100))
  }
}
