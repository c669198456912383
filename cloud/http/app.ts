// The hub's HTTP app: fastify with the JSON error shape, bearer auth, docs, system routes, the rooms
// API and the /ws live socket, each a plugin of its own. Built without listening, so tests can use
// app.inject(); the Hub calls listen().
import Fastify, { LogController, type FastifyInstance } from 'fastify'
import websocket from '@fastify/websocket'
import type { Logger } from 'pino'
import type { ScheduleMessage } from '../../protocol/messages.js'
import type { UserDirectory } from '../auth/users.js'
import type { HubConfig } from '../config.js'
import type { FleetState } from '../fleet-state.js'
import type { Ingest } from '../ingest.js'
import type { IncidentEngine } from '../incidents/engine.js'
import type { HubMetrics } from '../metrics.js'
import { bearerAuth } from './bearer-auth.js'
import { docsPlugin } from './docs.js'
import { errorPlugin } from './errors.js'
import { liveSocket, type ConsoleReport } from './live-socket.js'
import { pagesPlugin } from './pages.js'
import { roomRoutes, type ViewAudit } from './room-routes.js'
import { systemRoutes, type HealthResponse } from './system-routes.js'

export interface HttpAppDeps {
  http: HubConfig['http']
  users: UserDirectory
  fleet: FleetState
  ingest: Ingest
  metrics: HubMetrics
  log: Logger
  health: () => HealthResponse
  publishSchedule: (room: string, schedule: ScheduleMessage) => Promise<void>
  audit?: (entry: ViewAudit) => void
  /** Consultation consoles opening and closing on /ws (the specialist's presence). */
  console?: (report: ConsoleReport) => void
  /** Incident changes for /ws (cloud/incidents/engine.ts). */
  incidents?: Pick<IncidentEngine, 'on' | 'list'>
  version?: string
  /** For tests: how long /ws waits for an auth message. */
  wsAuthTimeoutMs?: number
}

export async function buildHttpApp (deps: HttpAppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log,
    logController: new LogController({ disableRequestLogging: true }), // errors.ts logs each request at debug, ?token= redacted
    bodyLimit: deps.http.bodyLimit,
    forceCloseConnections: true,
    return503OnClosing: true
  }) as unknown as FastifyInstance
  await app.register(errorPlugin, { metrics: deps.metrics })
  // before bearerAuth: its onRequest hook marks upgrade requests (request.ws), and its onResponse hook
  // then destroys the socket of an upgrade we refuse (401) — otherwise that socket stays half-open
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } })
  await app.register(bearerAuth, { users: deps.users, metrics: deps.metrics })
  await app.register(docsPlugin, { version: deps.version ?? '0.1.0' })
  await app.register(systemRoutes, { metrics: deps.metrics, health: deps.health })
  await app.register(roomRoutes, {
    fleet: deps.fleet,
    publishSchedule: deps.publishSchedule,
    ...(deps.audit !== undefined ? { audit: deps.audit } : {})
  })
  await app.register(liveSocket, {
    users: deps.users,
    fleet: deps.fleet,
    ingest: deps.ingest,
    metrics: deps.metrics,
    maxBufferedBytes: deps.http.wsMaxBufferedBytes,
    pingMs: deps.http.wsPingSeconds * 1000,
    ...(deps.wsAuthTimeoutMs !== undefined ? { authTimeoutMs: deps.wsAuthTimeoutMs } : {}),
    ...(deps.audit !== undefined ? { audit: deps.audit } : {}),
    ...(deps.console !== undefined ? { console: deps.console } : {}),
    ...(deps.incidents !== undefined ? { incidents: deps.incidents } : {})
  })
  await app.register(pagesPlugin)
  return app
}
