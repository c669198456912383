// The hub: config → broker → ingest → fleet state → HTTP API, composed and torn down in one place.
//
//   const hub = await Hub.fromFile('hub.yaml')            // or new Hub(hubConfig({...}), options)
//   const urls = await hub.start()                        // { http, ws, docs, metrics, mqtt, mqtts? }
//   …
//   await hub.stop()                                      // closes sockets, timers, store; idempotent
//
// `startHub(config, options)` does the first two in one call. Later hub features (incidents,
// schedule, FHIR, pages) take `hub.fleet`, `hub.ingest` (typed events), `hub.broker` and `hub.app`
// (register routes before start()) from here.
import { mkdirSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { pino, type Logger } from 'pino'
import type { ScheduleMessage, SupportMessage } from '../protocol/messages.js'
import { topics } from '../protocol/topics.js'
import { VERSION } from '../protocol/project-files.js'
import { encodeMessage } from '../protocol/validate.js'
import { gatewayBasicAuth } from './auth/gateway-basic-auth.js'
import { GatewayCredentials } from './auth/gateway-credentials.js'
import { MqttAuth, type InternalCredentials } from './auth/mqtt-auth.js'
import { UserDirectory } from './auth/users.js'
import { createHubBroker, type BrokerEndpoints, type HubBroker } from './broker/index.js'
import { urlHost } from './broker/embedded.js'
import { readHubConfig, type HubConfig, type HubConfigOptions } from './config.js'
import { FleetState, LAST_READING_MAX_AGE_MS } from './fleet-state.js'
import { buildHttpApp } from './http/app.js'
import type { ViewAudit } from './http/room-routes.js'
import type { HealthResponse } from './http/system-routes.js'
import { IncidentFeatures } from './incidents/features.js'
import { RegisterFeatures } from './register/features.js'
import { Ingest } from './ingest.js'
import { commandRoutes } from './commands/index.js'
import { historyRoutes } from './history/index.js'
import { fhirRoutes } from './fhir/index.js'
import { ProbeEchoServer, probeRoutes } from './probe/index.js'
import { HubMetrics } from './metrics.js'
import { createTelemetryStore } from './store/index.js'
import type { TelemetryStore } from './store/telemetry-store.js'

export interface HubOptions {
  /** Default: pino at HELSEROM_LOG_LEVEL or info, to stdout. */
  logger?: Logger
  /**
   * Where history goes: a store, or 'from-config' for the one the config's `store` section names
   * (cloud/store: embedded in dataDir, or InfluxDB). None: no history. The hub starts it in start()
   * and closes it in stop().
   */
  store?: TelemetryStore | 'from-config'
  clock?: () => number
  /** Credentials of the hub's internal MQTT client on the embedded broker (default: random per start). */
  internalCredentials?: InternalCredentials
  /** Called for every view of a room's patient data (DESIGN.md: audited); the audit log plugs in here. */
  audit?: (entry: ViewAudit) => void
  /** External broker mode: how long start() waits for the first connection (default 10 s). */
  brokerConnectTimeoutMs?: number
  /** How long /ws waits for an auth message (default 10 s). */
  wsAuthTimeoutMs?: number
  /**
   * Register the device command, history and FHIR routes (default true). Their own tests turn
   * this off and register each plugin themselves, with test options and an audit capture.
   */
  deviceRoutes?: boolean
}

export interface HubUrls {
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:8080 */
  http: string
  ws: string
  docs: string
  metrics: string
  /** Where gateways connect: the embedded broker, or the external broker's URL. */
  mqtt: string
  mqtts?: string
}

export class Hub {
  readonly log: Logger
  readonly metrics = new HubMetrics()
  readonly users: UserDirectory
  readonly fleet: FleetState
  readonly ingest: Ingest
  readonly mqttAuth: MqttAuth
  /** Gateways' passwords, checked alike at the broker and on the probe endpoints. */
  readonly gatewayCredentials: GatewayCredentials
  readonly broker: HubBroker
  readonly internalCredentials: InternalCredentials
  readonly version = VERSION
  readonly dataDir: string
  /** The telemetry store, when there is one. */
  readonly store: TelemetryStore | undefined
  /** Incidents, notifications, the audit log and schedule import (cloud/incidents/README.md). */
  readonly incidents: IncidentFeatures
  /** The equipment register, support routing, calibration and the specialist's presence (cloud/register/README.md). */
  readonly register: RegisterFeatures
  private appInstance: FastifyInstance | undefined
  private started: Promise<HubUrls> | undefined
  private stopped: Promise<void> | undefined
  private currentUrls: HubUrls | undefined
  /** The UDP echo the gateways' network monitor probes, on the HTTP port number. */
  private probeEcho: ProbeEchoServer | null = null
  /** Forgets devices' last readings past their age (patient data is not kept: fleet-state.ts). */
  private readingSweep: NodeJS.Timeout | undefined
  private readonly startedAt: number
  private readonly clock: () => number

  constructor (readonly config: HubConfig, private readonly options: HubOptions = {}) {
    this.clock = options.clock ?? Date.now
    this.startedAt = this.clock()
    this.log = options.logger ?? pino({ level: process.env.HELSEROM_LOG_LEVEL ?? 'info', base: { service: 'helserom-hub' } })
    this.dataDir = config.dataDir
    this.store = options.store === 'from-config'
      ? createTelemetryStore(config.store, { dataDir: config.dataDir, log: this.log.child({ part: 'store' }) })
      : options.store
    this.users = new UserDirectory(config.users, this.clock)
    this.fleet = new FleetState(config.gateways)
    this.internalCredentials = options.internalCredentials ?? { username: `hub-internal-${randomBytes(4).toString('hex')}`, password: randomBytes(24).toString('base64url') }
    this.gatewayCredentials = new GatewayCredentials(config.gateways)
    this.mqttAuth = new MqttAuth({
      gateways: config.gateways,
      credentials: this.gatewayCredentials,
      users: this.users,
      internal: this.internalCredentials,
      anonymousState: config.mqtt.anonymousState,
      log: this.log.child({ part: 'mqtt-auth' }),
      metrics: this.metrics
    })
    this.broker = createHubBroker(config, {
      auth: this.mqttAuth,
      log: this.log,
      metrics: this.metrics,
      ...(options.brokerConnectTimeoutMs !== undefined ? { connectTimeoutMs: options.brokerConnectTimeoutMs } : {})
    })
    this.ingest = new Ingest({
      fleet: this.fleet,
      metrics: this.metrics,
      log: this.log.child({ part: 'ingest' }),
      clock: this.clock,
      ...(this.store !== undefined ? { store: this.store } : {})
    })
    this.incidents = new IncidentFeatures({
      alerts: config.alerts,
      notify: config.notify,
      audit: config.audit,
      scheduleImport: config.scheduleImport,
      gateways: config.gateways
    }, {
      dataDir: config.dataDir,
      fleet: this.fleet,
      ingest: this.ingest,
      log: this.log,
      registry: this.metrics.registry,
      clock: this.clock,
      publishSchedule: async (room, schedule) => await this.publishSchedule(room, schedule),
      // incidents go to the failing thing's maintainer, are held to its response time, and
      // calibration due is an incident of its own (the register is built just below)
      route: (n, configured) => this.register.route(n, configured),
      extraRule: (state, ctx) => this.register.extraRule(state, ctx),
      responseDue: (incident) => this.register.responseDue(incident)
    })
    this.register = new RegisterFeatures({
      parties: config.parties,
      register: config.register,
      gateways: config.gateways,
      timezone: config.alerts.timezone,
      ignoreCodes: config.alerts.rules.readiness.ignoreCodes,
      fsync: config.audit.fsync
    }, {
      dataDir: config.dataDir,
      fleet: this.fleet,
      ingest: this.ingest,
      log: this.log,
      clock: this.clock,
      audit: () => this.incidents.audit,
      publish: async (room, message) => await this.publishSupport(room, message)
    })
    this.metrics.roomsConfigured.set(this.fleet.size)
    this.metrics.onScrape(() => {
      this.metrics.roomsOnline.set(this.fleet.onlineCount())
      if (this.broker.mode === 'embedded') this.metrics.brokerConnected.set(this.broker.connected ? 1 : 0)
    })
  }

  /** Reads and checks a hub config file (throws a ConfigFileError listing every problem), then builds the hub. */
  static fromFile (file: string, options: HubOptions & HubConfigOptions = {}): Hub {
    return new Hub(readHubConfig(file, options), options)
  }

  /** The HTTP app, for registering more routes before start(). Built on first use. */
  async app (): Promise<FastifyInstance> {
    this.appInstance ??= await this.buildApp()
    return this.appInstance
  }

  private async buildApp (): Promise<FastifyInstance> {
    const audit = this.options.audit
    const app = await buildHttpApp({
      http: this.config.http,
      users: this.users,
      fleet: this.fleet,
      ingest: this.ingest,
      metrics: this.metrics,
      log: this.log.child({ part: 'http' }),
      health: () => this.health(),
      publishSchedule: async (room, schedule) => await this.publishSchedule(room, schedule),
      version: this.version,
      // every view of patient data goes to the audit log, and to the caller's hook when there is one
      audit: (entry) => { this.incidents.viewAudit(entry); audit?.(entry) },
      // a specialist's consultation console opening or closing is their presence for the light
      console: (report) => this.register.consoleReport(report),
      incidents: this.incidents.engine,
      ...(this.options.wsAuthTimeoutMs !== undefined ? { wsAuthTimeoutMs: this.options.wsAuthTimeoutMs } : {})
    })
    await app.register(this.incidents.routes)
    // Throughput and clock endpoints of the gateways' network monitor: outside /api, for gateways
    // only — HTTP Basic with their MQTT credentials (they have no bearer token); bounded in size,
    // time and concurrency, one transfer per gateway at a time so that no room takes every slot.
    await app.register(probeRoutes, {
      maxBytes: 32 * 1024 * 1024,
      maxConcurrent: 4,
      maxPerCaller: 1,
      authorize: gatewayBasicAuth({ credentials: this.gatewayCredentials, metrics: this.metrics, log: this.log.child({ part: 'probe' }), action: 'probe' })
    })
    await app.register(this.register.routes)
    // Written before the answer leaves: a command, a history read of clinical data or a FHIR
    // export that cannot be audited is refused (503) rather than done unrecorded.
    if (this.options.deviceRoutes === false) return app
    const auditLog = this.incidents.audit
    const auditNow = async (entry: Parameters<typeof auditLog.write>[0]): Promise<void> => { await auditLog.write(entry) }
    const store = this.store !== undefined ? { store: this.store } : {}
    await app.register(commandRoutes, { fleet: this.fleet, broker: this.broker, ingest: this.ingest, audit: auditNow, registry: this.metrics.registry })
    await app.register(historyRoutes, { fleet: this.fleet, ...store, audit: auditNow, clock: this.clock })
    await app.register(fhirRoutes, { fleet: this.fleet, ingest: this.ingest, ...store, audit: auditNow, clock: this.clock })
    return app
  }

  get urls (): HubUrls | undefined {
    return this.currentUrls
  }

  /** Starts everything; resolves with the URLs. On failure, what was started is stopped again. */
  async start (): Promise<HubUrls> {
    if (this.stopped !== undefined) throw new Error('a stopped hub cannot be started again; make a new one')
    this.started ??= this.startOnce().catch(async (err: unknown) => {
      // stopOnce() normally waits for `started` — this very promise — so it must not here.
      this.stopped ??= this.stopOnce(false)
      await this.stopped.catch(() => {})
      throw err
    })
    return await this.started
  }

  private async startOnce (): Promise<HubUrls> {
    mkdirSync(this.dataDir, { recursive: true })
    const store = this.store
    if (store !== undefined) await store.start()
    await this.incidents.start() // before the broker: the engine sees the retained state arrive
    await this.register.start() // likewise: the register sees every device's retained health
    // the ingest subscribes before the first gateway can connect: nothing acknowledged goes unseen
    const endpoints: BrokerEndpoints = await this.broker.start(async () => await this.ingest.attach(this.broker))
    this.readingSweep = setInterval(() => this.fleet.forgetReadingsBefore(this.clock() - LAST_READING_MAX_AGE_MS), 60_000)
    this.readingSweep.unref()
    this.register.publishAll()
    const app = await this.app()
    await app.listen({ host: this.config.http.host, port: this.config.http.port })
    const port = (app.server.address() as AddressInfo).port
    this.probeEcho = new ProbeEchoServer({ host: this.config.http.host, port, log: this.log.child({ part: 'probe-echo' }) })
    await this.probeEcho.start()
    const base = `http://${urlHost(this.config.http.host)}:${port}`
    this.currentUrls = {
      http: base,
      ws: `${base.replace(/^http/, 'ws')}/ws`,
      docs: `${base}/docs`,
      metrics: `${base}/metrics`,
      mqtt: endpoints.mqtt,
      ...(endpoints.mqtts !== undefined ? { mqtts: endpoints.mqtts } : {})
    }
    this.log.info({ ...this.currentUrls, rooms: this.fleet.size, broker: this.broker.mode, store: store?.kind ?? 'none' }, 'hub started')
    return this.currentUrls
  }

  /** Stops everything that was started: HTTP (and WebSockets), ingest, broker, store. Idempotent. */
  async stop (): Promise<void> {
    this.stopped ??= this.stopOnce()
    await this.stopped
  }

  private async stopOnce (waitForStart = true): Promise<void> {
    if (waitForStart) await this.started?.catch(() => {}) // let a start in progress finish (or fail) first
    const problems: unknown[] = []
    const step = async (what: string, fn: () => Promise<void> | void): Promise<void> => {
      try { await fn() } catch (err) { problems.push(err); this.log.error({ err, what }, 'hub stop step failed') }
    }
    clearInterval(this.readingSweep)
    await step('http', async () => { await this.appInstance?.close() })
    await step('probe-echo', async () => { await this.probeEcho?.stop() })
    // The broker goes before the ingest: a message a gateway sent in between would be acknowledged
    // (and so dropped from its spool) with nobody left to take it. An external broker keeps the
    // hub's subscriptions and queues for it (a lasting session), so they are not unsubscribed.
    await step('broker', async () => { await this.broker.close() })
    await step('ingest', () => { this.ingest.close() })
    await step('register', async () => { await this.register.stop() })
    await step('incidents', async () => { await this.incidents.stop() })
    await step('store', async () => { await this.store?.close() })
    this.log.info('hub stopped')
    if (problems.length > 0) throw new AggregateError(problems, 'the hub did not stop cleanly')
  }

  /** Publishes a room's schedule (retained) to its gateway; the ingest sees it come back and updates the fleet. */
  async publishSchedule (room: string, schedule: ScheduleMessage): Promise<void> {
    if (!this.fleet.has(room)) throw new Error(`room "${room}" is not configured at this hub`)
    await this.broker.publish(topics.schedule(room), encodeMessage('schedule', schedule), { retain: true, qos: 1 })
  }

  /** Publishes a room's support message (retained): whom to call, calibration reasons, the specialist's presence. */
  async publishSupport (room: string, message: SupportMessage): Promise<void> {
    if (!this.fleet.has(room)) throw new Error(`room "${room}" is not configured at this hub`)
    await this.broker.publish(topics.support(room), encodeMessage('support', message), { retain: true, qos: 1 })
  }

  health (): HealthResponse {
    const broker = this.broker.health()
    const store = this.store !== undefined ? { kind: this.store.kind, ...this.store.health() } : null
    const status = !broker.connected ? 'down' : store !== null && !store.writable ? 'degraded' : 'ok'
    return {
      status,
      broker,
      store,
      rooms: { configured: this.fleet.size, online: this.fleet.onlineCount() },
      uptimeSeconds: Math.round((this.clock() - this.startedAt) / 1000)
    }
  }
}

/** Builds and starts a hub in one call. */
export async function startHub (config: HubConfig, options: HubOptions = {}): Promise<Hub> {
  const hub = new Hub(config, options)
  await hub.start()
  return hub
}
