// Bearer authentication for the hub's HTTP API, as one onRequest hook: every route under /api needs
// `Authorization: Bearer <token>` (no or unknown token → 401) and a role the route lists in
// `config.roles` (default: it only; another role → 403). The decision is taken on the route that
// matched, not on the raw URL, so an encoded path cannot slip past it. /ws may also carry the token as
// `?token=` (browsers cannot set headers on a WebSocket) or send it as its first message.
import type { FastifyRequest } from 'fastify'
import type { Role } from '../config.js'
import type { HubMetrics } from '../metrics.js'
import { RateLimitedLog } from '../rate-limited-log.js'
import type { HubUser, UserDirectory } from '../auth/users.js'
import { HttpError } from './errors.js'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated user, or null (public routes; /ws before its auth message). */
    user: HubUser | null
  }
  interface FastifyContextConfig {
    /** Roles allowed on an /api route (default: it only). */
    roles?: readonly Role[]
  }
}

export interface BearerAuthOptions extends Record<string, unknown> {
  users: UserDirectory
  metrics: HubMetrics
}

export const bearerAuth = fp<BearerAuthOptions>(async (app, opts) => {
  if (opts.users === undefined || opts.metrics === undefined) throw new TypeError('bearerAuth needs users and metrics')
  const { users, metrics } = opts
  const warn = new RateLimitedLog(app.log)

  const deny = (request: FastifyRequest, status: 401 | 403, reason: string, message: string): HttpError => {
    metrics.authDenied.inc({ surface: 'http', action: 'request', reason })
    warn.warn({ route: request.routeOptions.url, user: request.user?.name, ip: request.ip, reason }, 'refused an HTTP request')
    return new HttpError(status, status === 401 ? 'unauthorized' : 'forbidden', message)
  }

  app.decorateRequest('user', null)

  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url
    if (route === undefined) return // no route matched: the 404 handler answers
    const isApi = route === '/api' || route.startsWith('/api/')
    const isWs = route === '/ws'
    if (!isApi && !isWs) return
    const header = request.headers.authorization
    let token: string | undefined
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
      if (match === null) throw deny(request, 401, 'malformed-header', 'the Authorization header must be "Bearer <token>"')
      token = match[1]
    } else if (isWs) {
      const q = (request.query as Record<string, unknown> | undefined)?.token
      token = typeof q === 'string' && q !== '' ? q : undefined
    }
    if (token === undefined) {
      if (isWs) return // it may authenticate with its first message
      throw deny(request, 401, 'missing-token', 'this needs a bearer token (Authorization: Bearer <token>)')
    }
    const user = await users.authenticateToken(token)
    if (user === null) throw deny(request, 401, 'bad-token', 'the token is not valid')
    request.user = user
    if (isApi) {
      const roles = request.routeOptions.config.roles ?? ['it']
      if (!roles.includes(user.role)) throw deny(request, 403, 'role', `the ${user.role} role may not use ${request.method} ${route}`)
    }
  })
}, { name: 'helserom-bearer-auth' })
