// GET /docs: the OpenAPI document of the hub's HTTP API, generated from the route schemas
// (@fastify/swagger), with swagger-ui on top. Registered before the routes, so it sees all of them.
import type { FastifyPluginAsync } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'

export interface DocsOptions extends Record<string, unknown> {
  version: string
}

const docs: FastifyPluginAsync<DocsOptions> = async (app, opts) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'helserom hub API',
        description: 'Fleet state of the helserom rooms. Every /api route needs `Authorization: Bearer <token>`; ' +
          'roles: it (everything), specialist (their rooms, live readings), staff (their rooms\' readiness). ' +
          'WebSocket /ws: see cloud/http/live-socket.ts.',
        version: opts.version
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } }
    }
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
}

export const docsPlugin = fp(docs, { name: 'helserom-docs' })
