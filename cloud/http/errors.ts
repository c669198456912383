// One JSON error shape for every HTTP error the hub answers: `{ error: { code, message } }`, with a
// stable lowercase code (unauthorized, forbidden, not_found, payload_too_large, bad_request …) and a
// sentence for people. Unexpected errors are logged and answered without their details. Every error
// response is counted in helserom_hub_http_errors_total by status.
import type { FastifyError, FastifyPluginAsync } from 'fastify'
import { Type } from '@sinclair/typebox'
import type { HubMetrics } from '../metrics.js'
import { RateLimitedLog } from '../rate-limited-log.js'
import fp from 'fastify-plugin'

export const ErrorResponse = Type.Object({
  error: Type.Object({
    code: Type.String({ description: 'stable machine code, e.g. unauthorized, forbidden, not_found' }),
    message: Type.String({ description: 'what went wrong, for people' })
  })
}, { description: 'an error' })

/** An error a route or hook throws on purpose; its message is shown to the client. */
export class HttpError extends Error {
  constructor (readonly statusCode: number, readonly code: string, message: string) {
    super(message)
    this.name = 'HttpError'
  }
}

const codeOfStatus: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  503: 'unavailable'
}

export function errorBody (code: string, message: string): { error: { code: string, message: string } } {
  return { error: { code, message } }
}

export interface ErrorPluginOptions extends Record<string, unknown> {
  metrics: HubMetrics
}

export const errorPlugin = fp<ErrorPluginOptions>(async (app, opts) => {
  if (opts.metrics === undefined) throw new TypeError('errorPlugin needs metrics')
  const { metrics } = opts
  const warn = new RateLimitedLog(app.log)

  app.setErrorHandler((err: FastifyError | HttpError, request, reply) => {
    if (err instanceof HttpError) {
      if (err.statusCode === 401) void reply.header('www-authenticate', 'Bearer realm="helserom"')
      return reply.code(err.statusCode).send(errorBody(err.code, err.message))
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500
    if (status >= 500) {
      request.log.error({ err }, 'request failed')
      return reply.code(status).send(errorBody(codeOfStatus[status] ?? 'internal', 'internal error; see the hub log'))
    }
    const message = status === 413 ? 'request body is too large' : err.message
    warn.warn({ method: request.method, url: redactUrl(request.url), status, reason: message }, 'refused a bad HTTP request')
    return reply.code(status).send(errorBody(codeOfStatus[status] ?? 'bad_request', message))
  })

  app.setNotFoundHandler((request, reply) => {
    return reply.code(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`))
  })

  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode >= 400) metrics.httpErrors.inc({ status: String(reply.statusCode) })
    request.log.debug({ method: request.method, url: redactUrl(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request')
  })
}, { name: 'helserom-errors' })

/** The URL with a `token` query parameter blanked, for logs. */
export function redactUrl (url: string): string {
  return url.replace(/([?&]token=)[^&]*/g, '$1…')
}
