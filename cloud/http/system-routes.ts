// GET /healthz (no token: a load balancer or systemd asks it; 200 while the broker is up, 503 when
// not) and GET /metrics (Prometheus text, no token: it carries no personal data — see cloud/metrics.ts).
import type { FastifyPluginAsync } from 'fastify'
import type {} from '@fastify/swagger' // the summary, tags and security of route schemas
import { Type, type Static } from '@sinclair/typebox'
import type { HubMetrics } from '../metrics.js'

const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(s: T) => Type.Union([s, Type.Null()])

export const HealthResponse = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')], { description: 'ok; degraded (the store cannot write); down (no broker)' }),
  broker: Type.Object({
    mode: Type.Union([Type.Literal('embedded'), Type.Literal('external')]),
    connected: Type.Boolean(),
    clients: Nullable(Type.Integer()),
    lastError: Nullable(Type.String())
  }),
  store: Type.Union([Type.Object({
    kind: Type.String(),
    writable: Type.Boolean(),
    pending: Type.Integer(),
    dropped: Type.Integer(),
    rejected: Type.Optional(Type.Integer()),
    written: Type.Integer(),
    lastError: Nullable(Type.String()),
    lastErrorAt: Nullable(Type.Integer())
  }), Type.Null()]),
  rooms: Type.Object({ configured: Type.Integer(), online: Type.Integer() }),
  uptimeSeconds: Type.Number()
}, { description: 'the hub\'s own health' })
export type HealthResponse = Static<typeof HealthResponse>

export interface SystemRoutesOptions {
  metrics: HubMetrics
  health: () => HealthResponse
}

export const systemRoutes: FastifyPluginAsync<SystemRoutesOptions> = async (app, opts) => {
  if (opts.metrics === undefined || typeof opts.health !== 'function') throw new TypeError('systemRoutes needs metrics and health')
  const { metrics, health } = opts

  app.get('/healthz', {
    schema: {
      summary: 'The hub\'s health (no token needed)',
      tags: ['system'],
      response: { 200: HealthResponse, 503: HealthResponse }
    }
  }, async (_request, reply) => {
    const report = health()
    return await reply.code(report.status === 'down' ? 503 : 200).send(report)
  })

  app.get('/metrics', {
    schema: {
      summary: 'Prometheus metrics (no token needed; no personal data)',
      tags: ['system'],
      produces: ['text/plain'],
      response: { 200: Type.String({ description: 'Prometheus text exposition format' }) }
    }
  }, async (_request, reply) => {
    const text = await metrics.text()
    return await reply.type(metrics.contentType).send(text)
  })
}
