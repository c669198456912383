// The gateway's HTTP surface on the room LAN (DESIGN.md, "HTTP surfaces"): health, metrics, the
// local JSON API, the readiness light page and a WebSocket that pushes changes to it. Reading
// needs no login (the light hangs on a wall); device commands need the local admin token.
import { timingSafeEqual } from 'node:crypto'
import Fastify, { LogController, type FastifyInstance } from 'fastify'
import websocket from '@fastify/websocket'
import type { WebSocket } from 'ws'
import type { Logger } from 'pino'
import { Type } from '@sinclair/typebox'
import type { Gateway } from '../gateway.js'
import type { DeviceStatus } from '../supervisor.js'
import { lightPage, warmLightPage } from './light.js'

export interface GatewayHttpOptions {
  host: string
  port: number
  adminToken?: string
  log: Logger
}

export interface GatewayHttp {
  port: number
  /** The fastify instance, for tests using `inject()`. */
  app: Pick<FastifyInstance, 'inject'>
  close: () => Promise<void>
}

const ErrorBody = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) })

function deviceView (d: DeviceStatus): Record<string, unknown> {
  return {
    id: d.id, name: d.name, kind: d.kind, enabled: d.enabled, state: d.state, reason: d.reason,
    metrics: d.metrics, info: d.info ?? null, since: d.since, lastHeardAt: d.lastHeardAt, restarts: d.restarts
  }
}

function bearer (header: string | undefined): Buffer | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '')
  return match?.[1] !== undefined ? Buffer.from(match[1]) : null
}

export async function startGatewayHttp (gateway: Gateway, options: GatewayHttpOptions): Promise<GatewayHttp> {
  const app = Fastify({ loggerInstance: options.log.child({ part: 'http' }), logController: new LogController({ disableRequestLogging: true }), bodyLimit: 64 * 1024 })
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } })

  app.setErrorHandler((err: Error & { statusCode?: number, code?: string }, _req, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500
    if (status >= 500) options.log.error({ err }, 'http: request failed')
    void reply.code(status).send({ error: { code: err.code ?? 'error', message: status >= 500 ? 'internal error' : err.message } })
  })

  app.get('/', async (_req, reply) => await reply.redirect('/light'))

  app.get('/healthz', async () => ({
    // Degraded: the box runs, but its disk refuses the spool's writes (nothing survives an outage).
    status: gateway.spoolGuard.fault === null ? 'ok' : 'degraded',
    room: gateway.room,
    boot: gateway.boot,
    startedAt: gateway.startedAt,
    uplink: { connected: gateway.uplinkConnected, since: gateway.uplink.since, lastError: gateway.uplink.lastError },
    spool: {
      pending: gateway.spool.pending,
      dropped: gateway.spool.dropped,
      lastDroppedAt: gateway.spool.lastDroppedAt,
      bytes: gateway.spool.bytes,
      writeFailures: gateway.spoolGuard.failuresTotal,
      failing: gateway.spoolGuard.fault
    },
    devices: gateway.devices().reduce<Record<string, number>>((acc, d) => ({ ...acc, [d.state]: (acc[d.state] ?? 0) + 1 }), {})
  }))

  app.get('/metrics', async (_req, reply) => {
    void reply.header('content-type', gateway.metrics.registry.contentType)
    return await gateway.metrics.registry.metrics()
  })

  app.get('/api/readiness', async () => gateway.readiness)
  app.get('/api/devices', async () => gateway.devices().map(deviceView))
  app.get('/api/network', async () => gateway.network)
  app.get('/api/check', async () => gateway.check)
  app.get('/api/schedule', async () => gateway.schedule)
  app.get('/api/room', async () => ({
    room: gateway.room, name: gateway.config.name, site: gateway.config.site, timezone: gateway.config.timezone,
    support: gateway.config.support, uplink: { connected: gateway.uplinkConnected, since: gateway.uplink.since }
  }))

  app.post<{ Params: { device: string, name: string }, Body: Record<string, unknown> | undefined }>('/api/devices/:device/commands/:name', {
    schema: {
      params: Type.Object({ device: Type.String({ maxLength: 64 }), name: Type.String({ maxLength: 64 }) }),
      body: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
      response: { 401: ErrorBody, 403: ErrorBody }
    }
  }, async (req, reply) => {
    const token = bearer(req.headers.authorization)
    if (token === null) return await reply.code(401).send({ error: { code: 'unauthorized', message: 'device commands need the local admin token (Authorization: Bearer …)' } })
    const expected = options.adminToken !== undefined ? Buffer.from(options.adminToken) : null
    if (expected === null || expected.length !== token.length || !timingSafeEqual(expected, token)) {
      return await reply.code(403).send({ error: { code: 'forbidden', message: 'wrong admin token, or commands are disabled (no local.adminToken)' } })
    }
    const result = await gateway.runCommand(req.params.name, {
      id: `local-${Date.now().toString(36)}`, device: req.params.device, args: req.body ?? {}, by: 'local-api', ts: Date.now()
    })
    if (!result.ok) {
      const code = result.error?.code ?? ''
      const status = code === 'command.unknown-device' || code === 'command.unknown' ? 404 : code === 'command.invalid-args' ? 400 : code === 'command.timeout' ? 504 : 502
      return await reply.code(status).send(result)
    }
    return result
  })

  warmLightPage((err) => options.log.error({ err }, 'http: could not bundle the light page'))
  app.get('/light', async (req, reply) => {
    const page = await lightPage()
    void reply.type(page.type).header('cache-control', 'no-cache').header('etag', page.etag)
    return req.headers['if-none-match'] === page.etag ? await reply.code(304).send() : await reply.send(page.body)
  })

  const sockets = new Set<WebSocket>()
  const broadcast = (message: unknown): void => {
    const text = JSON.stringify(message)
    for (const socket of sockets) {
      // A stalled tablet must not hold memory for ever: drop it, it reconnects.
      if (socket.bufferedAmount > 1024 * 1024) socket.terminate()
      else socket.send(text)
    }
  }
  const onReadiness = (readiness: unknown): void => broadcast({ type: 'readiness', readiness })
  const onDevice = (device: DeviceStatus): void => broadcast({ type: 'device', device: deviceView(device) })
  const onNetwork = (network: unknown): void => broadcast({ type: 'network', network })
  const onUplink = (connected: boolean): void => broadcast({ type: 'uplink', uplink: { connected, since: gateway.uplink.since } })
  const onCheck = (check: unknown): void => broadcast({ type: 'check', check })
  gateway.on('readiness', onReadiness)
  gateway.on('device', onDevice)
  gateway.on('network', onNetwork)
  gateway.on('uplink', onUplink)
  gateway.on('check', onCheck)

  app.get('/ws', { websocket: true }, (socket) => {
    sockets.add(socket)
    socket.send(JSON.stringify({
      type: 'snapshot',
      room: { room: gateway.room, name: gateway.config.name, site: gateway.config.site, timezone: gateway.config.timezone, support: gateway.config.support },
      readiness: gateway.readiness,
      devices: gateway.devices().map(deviceView),
      network: gateway.network,
      check: gateway.check,
      schedule: gateway.schedule,
      uplink: { connected: gateway.uplinkConnected, since: gateway.uplink.since },
      ts: Date.now()
    }))
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => sockets.delete(socket))
  })

  // Clients cannot tell a quiet room from a dead connection; a ping every 10 s tells them.
  const ping = setInterval(() => broadcast({ type: 'ping', ts: Date.now() }), 10_000)
  ping.unref()

  app.addHook('onClose', async () => {
    clearInterval(ping)
    gateway.off('readiness', onReadiness)
    gateway.off('device', onDevice)
    gateway.off('network', onNetwork)
    gateway.off('uplink', onUplink)
    gateway.off('check', onCheck)
    for (const socket of sockets) socket.terminate()
  })

  await app.listen({ host: options.host, port: options.port })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : options.port
  return { port, app, close: async () => await app.close() }
}
