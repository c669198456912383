// One room's gateway: runs the drivers, decides readiness, and publishes everything on the wire
// contract — to the hub through the on-disk spool (readings and health) or directly (retained
// state), and to the room's own broker and API for local consumers. This file wires the parts;
// each part does one job in its own module.
import { EventEmitter } from 'node:events'
import { mkdirSync, readFileSync, writeFileSync, existsSync, renameSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join, resolve } from 'node:path'
import type { Logger } from 'pino'
import {
  checkMessage, encodeMessage, WireValidator,
  type CheckReport, type CommandRequest, type CommandResult, type Consultation,
  type HealthMessage, type NetworkMessage, type ReadinessMessage, type ReadingsMessage, type Reason, type SupportMessage
} from '../protocol/index.js'
import { parseTopic, topics } from '../protocol/topics.js'
import { deliveryOf, type MessageOfKind } from '../protocol/messages.js'
import { DeviceCommandError, reason, systemClock, type Clock, type DriverFactory, type DriverReading } from '../drivers/contract.js'
import { driverFactories } from '../drivers/registry.js'
import { defaultProfileId, type DeviceConfig, type RoomConfig } from './config.js'
import { DriverSupervisor, type DeviceStatus } from './supervisor.js'
import { evaluateReadiness } from './readiness/evaluate.js'
import { ReadinessHysteresis } from './readiness/hysteresis.js'
import { StoreAndForwardSpool } from './spool/spool.js'
import { SpoolForwarder } from './spool/forwarder.js'
import { SpoolWriteGuard } from './spool/write-guard.js'
import { HubUplink } from './uplink.js'
import { LocalBroker } from './local-broker.js'
import { GatewayMetrics } from './metrics.js'
import { startGatewayHttp, type GatewayHttp } from './http/server.js'
import { VERSION } from './version.js'
import { extensionFactories, type GatewayExtension } from './extensions.js'

export interface GatewayOptions {
  config: RoomConfig
  log: Logger
  factories?: Readonly<Record<string, DriverFactory>>
  clock?: Clock
  /** Supervisor tuning, mostly for tests. */
  supervisor?: { backoffInitialMs?: number, backoffMaxMs?: number, healthRefreshMs?: number, startTimeoutMs?: number }
  /** Uplink tuning, mostly for tests. */
  uplink?: { reconnectPeriodMs?: number, keepaliveS?: number }
  /** A network measurement older than this counts as none (default 3 minutes). */
  networkMaxAgeMs?: number
}

export interface GatewayEvents {
  readiness: [ReadinessMessage]
  device: [DeviceStatus]
  reading: [string, ReadingsMessage]
  network: [NetworkMessage]
  check: [CheckReport]
  uplink: [boolean]
  schedule: [Consultation[]]
}

/** A gateway-level command (not a device's), e.g. `check.run`. */
export type GatewayCommand = (args: Record<string, unknown>, request: CommandRequest) => Promise<unknown>

/** A fresh id for each start: readings carry it, so the hub tells runs apart (like Sparkplug's bdSeq). */
function newBootId (now: number): string {
  return `${now.toString(36)}-${randomBytes(4).toString('hex')}`
}

export class Gateway extends EventEmitter<GatewayEvents> {
  readonly room: string
  readonly boot: string
  readonly startedAt: number
  readonly dataDir: string
  readonly clock: Clock
  readonly supervisor: DriverSupervisor
  readonly spool: StoreAndForwardSpool
  /** Every spool write goes through it: a disk that refuses writes is counted and shown, not silent. */
  readonly spoolGuard: SpoolWriteGuard
  readonly forwarder: SpoolForwarder
  readonly uplink: HubUplink
  readonly localBroker: LocalBroker
  readonly validator: WireValidator
  readonly metrics: GatewayMetrics
  /**
   * Lets the gateway's own consumers (embedded Node-RED) read the local broker's private topics
   * (readings) without the admin token; new at every start, never written anywhere.
   */
  readonly localReaderToken = randomBytes(24).toString('hex')
  private http: GatewayHttp | null = null
  private readonly hysteresis: ReadinessHysteresis
  private readonly seq = new Map<string, number>()
  private readonly commands = new Map<string, GatewayCommand>()
  private readonly reasonSources: Array<() => readonly Reason[]> = []
  readonly log: Logger
  private readonly extensions: GatewayExtension[] = []
  private hubSchedule: Consultation[] | null = null
  /** The hub's `support` message: whom to call about what, its reasons, the specialist's presence. */
  private hubSupport: SupportMessage | null = null
  private tickTimer: NodeJS.Timeout | null = null
  private statusTimer: NodeJS.Timeout | null = null
  /** The spool drop count the hub last heard in `status`. */
  private reportedDropped = -1
  private lastReadinessKey = ''
  private running = false
  readiness: ReadinessMessage | null = null
  network: NetworkMessage | null = null
  check: CheckReport | null = null
  urls = { http: '', mqtt: '', light: '' }

  constructor (readonly config: RoomConfig, private readonly options: Omit<GatewayOptions, 'config'>) {
    super()
    this.log = options.log.child({ room: config.room })
    this.clock = options.clock ?? systemClock
    this.room = config.room
    this.startedAt = this.clock.now()
    this.boot = newBootId(this.startedAt)
    this.dataDir = resolve(config.dataDir)
    this.hysteresis = new ReadinessHysteresis(config.readiness.recoverAfterMs)
    this.validator = new WireValidator({ log: this.log })
    this.metrics = new GatewayMetrics(this)
    this.supervisor = new DriverSupervisor({
      devices: config.devices as DeviceConfig[],
      factories: options.factories ?? driverFactories,
      log: this.log,
      dataDir: this.dataDir,
      clock: this.clock,
      ...options.supervisor
    })
    this.spool = new StoreAndForwardSpool({
      dir: resolve(config.spool.dir ?? join(config.dataDir, 'spool')),
      maxBytes: config.spool.maxBytes,
      log: this.log,
      clock: this.clock.now
    })
    this.spoolGuard = new SpoolWriteGuard(this.spool, { log: this.log, clock: this.clock.now })
    this.addReasonSource(() => this.spoolGuard.reasons())
    this.uplink = new HubUplink({
      url: config.hub.url,
      clientId: `gateway-${config.room}`,
      username: config.hub.username ?? config.room,
      password: config.hub.password,
      ca: config.hub.ca,
      will: { topic: topics.status(config.room), payload: this.statusPayload(false) },
      subscriptions: [topics.schedule(config.room), topics.support(config.room), topics.commands(config.room)],
      log: this.log,
      ...options.uplink
    })
    this.forwarder = new SpoolForwarder(this.spool, this.uplink, { log: this.log, clock: this.clock.now })
    this.localBroker = new LocalBroker({
      host: config.local.host,
      port: config.local.mqttPort,
      room: config.room,
      adminToken: this.adminToken,
      readerToken: this.localReaderToken,
      log: this.log,
      onCommand: (topic, payload, clientId) => { void this.onCommandMessage(topic, payload, 'local', clientId) }
    })
  }

  /** Starts every part; returns when the local API and broker listen (devices and hub may follow). */
  async start (): Promise<this> {
    mkdirSync(this.dataDir, { recursive: true })
    this.hubSchedule = this.loadSaved('schedule', this.scheduleFile())
    this.hubSupport = this.loadSaved('support', this.supportFile())
    // A spool the disk will not have does not stop the room: it runs live and says so.
    this.spoolGuard.open()
    this.wireEvents()
    const mqttPort = await this.localBroker.start()
    this.http = await startGatewayHttp(this, { host: this.config.local.host, port: this.config.local.httpPort, adminToken: this.adminToken, log: this.log })
    const host = this.config.local.host === '0.0.0.0' || this.config.local.host === '::' ? '127.0.0.1' : this.config.local.host
    this.urls = { http: `http://${host}:${this.http.port}`, mqtt: `mqtt://${host}:${mqttPort}`, light: `http://${host}:${this.http.port}/light` }
    this.running = true
    // Not awaited: devices come up on their own time (a hung one is timed out and retried by the
    // supervisor); the hub, readiness and the extensions must not wait for the slowest device.
    void this.supervisor.start()
    this.uplink.start()
    for (const factory of extensionFactories) {
      const extension = factory(this)
      if (extension === null) continue
      await extension.start(this)
      this.extensions.push(extension)
    }
    this.recomputeReadiness()
    this.tickTimer = setInterval(() => this.recomputeReadiness(), 1000)
    this.tickTimer.unref()
    this.log.info({ boot: this.boot, ...this.urls, hub: this.config.hub.url, devices: this.config.devices.length }, 'gateway started')
    return this
  }

  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    if (this.tickTimer !== null) clearInterval(this.tickTimer)
    if (this.statusTimer !== null) clearTimeout(this.statusTimer)
    for (const extension of this.extensions.splice(0).reverse()) {
      try {
        await extension.stop()
      } catch (err) {
        this.log.warn({ err, extension: extension.name }, 'an extension failed to stop cleanly')
      }
    }
    await this.supervisor.stop()
    this.forwarder.stop()
    await this.uplink.stop([{ topic: topics.status(this.room), payload: this.statusPayload(false), retain: true }])
    await this.http?.close()
    await this.localBroker.stop()
    this.spool.close()
    this.log.info('gateway stopped')
  }

  get schedule (): Consultation[] {
    return this.hubSchedule ?? this.config.schedule.map((c) => ({
      id: c.id, start: Date.parse(c.start), minutes: c.minutes, profile: c.profile, ...(c.title !== undefined ? { title: c.title } : {})
    }))
  }

  /** The local admin token; none (commands disabled) when unset or empty. */
  get adminToken (): string | undefined {
    const token = this.config.local.adminToken
    return token === undefined || token === '' ? undefined : token
  }

  get uplinkConnected (): boolean {
    return this.uplink.connected
  }

  /** URLs of the running extensions (e.g. the Node-RED editor). */
  extensionUrls (): Record<string, string> {
    return Object.assign({}, ...this.extensions.map((e) => e.urls?.() ?? {})) as Record<string, string>
  }

  devices (): DeviceStatus[] {
    return this.supervisor.statuses()
  }

  /** The network monitor reports here. */
  setNetwork (network: NetworkMessage): void {
    this.network = network
    this.publishState('network', topics.network(this.room), network)
    this.emit('network', network)
    this.recomputeReadiness()
  }

  /** The pre-session check reports here. */
  setCheck (report: CheckReport): void {
    this.check = report
    this.publishState('check', topics.check(this.room), report)
    this.emit('check', report)
    this.recomputeReadiness()
  }

  /** Lets another part (network trends, the pre-session check) add reasons to readiness. */
  addReasonSource (source: () => readonly Reason[]): void {
    this.reasonSources.push(source)
  }

  registerCommand (name: string, command: GatewayCommand): void {
    this.commands.set(name, command)
  }

  /** Runs a command from the hub, the local API or a local MQTT client, always answering. */
  async runCommand (name: string, request: CommandRequest): Promise<CommandResult> {
    const ts = (): number => this.clock.now()
    try {
      const gatewayCommand = this.commands.get(name)
      let result: unknown
      if (gatewayCommand !== undefined) result = await gatewayCommand(request.args ?? {}, request)
      else if (request.device !== undefined) result = await this.supervisor.command(request.device, name, request.args ?? {})
      else throw new DeviceCommandError(reason('command.unknown', `Ukjent kommando «${name}»`, `Unknown command "${name}" (device commands need a device)`))
      this.log.info({ command: name, device: request.device, by: request.by }, 'command done')
      return { id: request.id, ok: true, ...(result !== undefined ? { result } : {}), ts: ts() }
    } catch (err) {
      const why = err instanceof DeviceCommandError
        ? err.reason
        : reason('command.failed', 'Kommandoen feilet', `The command failed: ${(err as Error).message}`)
      this.log.warn({ command: name, device: request.device, by: request.by, code: why.code }, 'command failed')
      return { id: request.id, ok: false, error: why, ts: ts() }
    }
  }

  /** Re-evaluates readiness from the current state and publishes it if it changed. */
  recomputeReadiness (): void {
    if (!this.running) return
    const now = this.clock.now()
    const statuses = this.supervisor.statuses()
    const raw = evaluateReadiness({
      now,
      timezone: this.config.timezone,
      profiles: this.config.profiles,
      defaultProfile: defaultProfileId(this.config),
      schedule: this.schedule,
      lookaheadMs: this.config.readiness.lookaheadHours * 3_600_000,
      devices: new Map(statuses.map((d) => [d.id, d])),
      network: this.network,
      networkMaxAgeMs: this.options.networkMaxAgeMs ?? 180_000,
      uplinkConnected: this.uplink.connected,
      extraReasons: this.reasonSources.flatMap((source) => {
        try { return [...source()] } catch (err) { this.log.error({ err }, 'a readiness reason source failed'); return [] }
      }),
      supportPhone: this.config.support.phone,
      supportName: this.config.support.name,
      ...(this.hubSupport !== null
        ? {
            contacts: this.hubSupport.contacts,
            hubReasons: this.hubSupport.reasons,
            // presence is live news: without the hub it may be stale, so it is not shown
            specialist: this.uplink.connected ? this.hubSupport.specialist : null
          }
        : {})
    })
    const shown = this.hysteresis.apply(raw, now)
    const message: ReadinessMessage = {
      level: shown.level,
      profile: shown.profile,
      ...(shown.profileLabel !== undefined ? { profileLabel: shown.profileLabel } : {}),
      session: shown.session,
      reasons: shown.reasons,
      summary: shown.summary,
      since: shown.since,
      ...(shown.specialist !== undefined ? { specialist: shown.specialist } : {}),
      ts: now
    }
    const key = JSON.stringify([message.level, message.profile, message.session, message.reasons, message.summary, message.specialist])
    if (key === this.lastReadinessKey) return
    this.lastReadinessKey = key
    this.readiness = message
    this.publishState('readiness', topics.readiness(this.room), message)
    this.emit('readiness', message)
  }

  private wireEvents (): void {
    this.supervisor.on('health', (status) => this.onDeviceHealth(status))
    this.supervisor.on('reading', (deviceId, reading) => this.onReading(deviceId, reading))
    this.uplink.on('connected', () => this.onUplinkConnected())
    this.uplink.on('disconnected', () => {
      this.log.warn('uplink to the hub lost; spooling to disk')
      this.emit('uplink', false)
      this.recomputeReadiness()
    })
    this.uplink.on('message', (topic, payload) => this.onHubMessage(topic, payload))
    // After an outage, current health is re-sent once the backlog (history) is through.
    this.forwarder.on('drained', () => this.publishHealthSnapshot())
    this.spoolGuard.on('change', () => this.recomputeReadiness())
  }

  private onUplinkConnected (): void {
    this.log.info({ backlog: this.spool.pending }, 'uplink to the hub up')
    this.emit('uplink', true)
    this.recomputeReadiness()
    this.sendStatus()
    if (this.readiness !== null) this.sendToHub('readiness', topics.readiness(this.room), encodeMessage('readiness', this.readiness))
    if (this.network !== null) this.sendToHub('network', topics.network(this.room), encodeMessage('network', this.network))
    if (this.check !== null) this.sendToHub('check', topics.check(this.room), encodeMessage('check', this.check))
    if (this.spool.drained) this.publishHealthSnapshot()
    this.forwarder.kick()
  }

  private onDeviceHealth (status: DeviceStatus): void {
    const message: HealthMessage = {
      kind: status.kind,
      name: status.name,
      state: status.state,
      reason: status.reason,
      metrics: status.metrics,
      ...(status.info !== undefined ? { info: status.info } : {}),
      ts: status.ts
    }
    if (this.spoolMessage('health', topics.health(this.room, status.id), message)) {
      this.emit('device', status)
      this.recomputeReadiness()
    }
  }

  private onReading (deviceId: string, reading: DriverReading): void {
    const seq = (this.seq.get(deviceId) ?? 0) + 1
    const message: ReadingsMessage = {
      ts: reading.ts ?? this.clock.now(),
      boot: this.boot,
      seq,
      values: reading.values,
      units: reading.units ?? {},
      ...(reading.invalid !== undefined && reading.invalid.length > 0 ? { invalid: reading.invalid } : {}),
      ...(reading.conditions !== undefined && reading.conditions.length > 0 ? { conditions: reading.conditions } : {})
    }
    if (!this.spoolMessage('readings', topics.readings(this.room, deviceId), message)) return
    this.seq.set(deviceId, seq) // only valid readings take a number, so a gap at the hub means loss
    this.metrics.readings.inc({ device: deviceId })
    this.emit('reading', deviceId, message)
  }

  /**
   * Readings and health go through the spool (written before sent), so neither an outage nor a
   * crash loses them; they also go live to the room's broker. When the disk refuses the write they
   * still go live to the hub while it is connected (and are lost, counted, while it is not).
   * Returns false for a message that breaks the contract (a driver bug): it is counted and
   * logged, never sent.
   */
  private spoolMessage<K extends 'readings' | 'health'> (kind: K, topic: string, message: MessageOfKind[K]): boolean {
    const checked = checkMessage(kind, message)
    if (!checked.ok) {
      this.metrics.invalidDriverOutput.inc({ kind })
      this.log.warn({ topic, reason: checked.reason }, 'dropped a driver message that breaks the wire contract')
      return false
    }
    const { qos, retain } = deliveryOf[kind]
    const payload = Buffer.from(JSON.stringify(message))
    const record = { topic, payload: message as unknown as Record<string, unknown>, qos, retain, at: this.clock.now(), offline: !this.uplink.connected }
    if (this.spoolGuard.append(record, kind)) {
      this.forwarder.kick()
      if (this.spool.dropped !== this.reportedDropped) this.scheduleStatus()
    } else if (this.uplink.connected) {
      this.sendToHub(kind, topic, payload)
    } else {
      this.metrics.lostRecords.inc({ kind })
    }
    this.localBroker.publish(topic, payload, retain, qos)
    return true
  }

  /** Retained state (readiness, network, check): the latest wins, re-sent on every reconnect. */
  private publishState<K extends 'readiness' | 'network' | 'check'> (kind: K, topic: string, message: MessageOfKind[K]): void {
    const payload = encodeMessage(kind, message)
    this.localBroker.publish(topic, payload, true)
    if (this.uplink.connected) this.sendToHub(kind, topic, payload)
  }

  private sendToHub (kind: keyof MessageOfKind, topic: string, payload: Buffer): void {
    const { qos, retain } = deliveryOf[kind]
    this.uplink.publish(topic, payload, { qos, retain }).catch((err: Error) => {
      this.log.debug({ topic, err: err.message }, 'state not confirmed by the hub; it is re-sent on reconnect')
    })
  }

  private publishHealthSnapshot (): void {
    if (!this.uplink.connected) return
    for (const status of this.supervisor.statuses()) {
      const message: HealthMessage = {
        kind: status.kind, name: status.name, state: status.state, reason: status.reason, metrics: status.metrics,
        ...(status.info !== undefined ? { info: status.info } : {}), ts: status.ts
      }
      const checked = checkMessage('health', message)
      if (checked.ok) this.sendToHub('health', topics.health(this.room, status.id), Buffer.from(JSON.stringify(message)))
    }
  }

  private onHubMessage (topic: string, payload: Buffer): void {
    const parsed = parseTopic(topic)
    if (parsed?.kind === 'command') {
      void this.onCommandMessage(topic, payload, 'hub', 'hub')
      return
    }
    const decoded = this.validator.decode(topic, payload)
    if (decoded === null || decoded.topic.room !== this.room) return
    if (decoded.kind === 'schedule') {
      this.hubSchedule = decoded.message
      this.save(this.scheduleFile(), decoded.message)
      this.log.info({ consultations: decoded.message.length }, 'schedule from the hub')
      this.emit('schedule', decoded.message)
      this.recomputeReadiness()
    } else if (decoded.kind === 'support') {
      const changed = JSON.stringify({ ...this.hubSupport, ts: 0 }) !== JSON.stringify({ ...decoded.message, ts: 0 })
      this.hubSupport = decoded.message
      if (changed) {
        this.save(this.supportFile(), decoded.message)
        this.log.info({ reasons: decoded.message.reasons.length, specialist: decoded.message.specialist?.state ?? null }, 'support contacts and reasons from the hub')
      }
      this.recomputeReadiness()
    }
  }

  private async onCommandMessage (topic: string, payload: Buffer, via: 'hub' | 'local', clientId: string): Promise<void> {
    const decoded = this.validator.decode(topic, payload)
    if (decoded === null || decoded.kind !== 'command' || decoded.topic.room !== this.room) return
    const request = { ...decoded.message, by: decoded.message.by ?? `${via}:${clientId}` }
    const result = await this.runCommand(decoded.topic.name, request)
    const resultTopic = topics.commandResult(this.room, decoded.topic.name)
    const body = encodeMessage('commandResult', result)
    if (via === 'hub') this.sendToHub('commandResult', resultTopic, body)
    this.localBroker.publish(resultTopic, body, false)
  }

  private statusPayload (online: boolean): Buffer {
    const details = { version: VERSION, boot: this.boot, startedAt: this.startedAt, ts: this.clock.now(), name: this.config.name, site: this.config.site }
    if (!online) return encodeMessage('status', { online, ...details })
    const spool = { dropped: this.spool.dropped, ...(this.spool.lastDroppedAt !== null ? { lastDroppedAt: this.spool.lastDroppedAt } : {}) }
    return encodeMessage('status', { online, ...details, spool })
  }

  /** Publishes the current status to the hub, which then knows the spool's drop count. */
  private sendStatus (): void {
    if (!this.uplink.connected) return
    this.reportedDropped = this.spool.dropped
    this.sendToHub('status', topics.status(this.room), this.statusPayload(true))
  }

  /** A new drop at the spool's bound: the hub hears of it soon, not once per dropped record. */
  private scheduleStatus (): void {
    if (this.statusTimer !== null || !this.uplink.connected) return
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null
      this.sendStatus()
    }, 5000)
    this.statusTimer.unref()
  }

  private scheduleFile (): string {
    return join(this.dataDir, 'schedule.json')
  }

  private supportFile (): string {
    return join(this.dataDir, 'support.json')
  }

  /**
   * The hub's last schedule (and support contacts), kept so the room knows its day and whom to call
   * even if it restarts while offline.
   */
  private loadSaved<K extends 'schedule' | 'support'> (kind: K, file: string): MessageOfKind[K] | null {
    if (!existsSync(file)) return null
    try {
      const checked = checkMessage(kind, JSON.parse(readFileSync(file, 'utf8')))
      if (checked.ok) return checked.value
      this.log.warn({ file, reason: checked.reason }, `ignoring a saved ${kind} that no longer fits the contract`)
    } catch (err) {
      this.log.warn({ file, err: (err as Error).message }, `ignoring an unreadable saved ${kind}`)
    }
    return null
  }

  private save (file: string, value: unknown): void {
    try {
      writeFileSync(file + '.tmp', JSON.stringify(value))
      renameSync(file + '.tmp', file)
    } catch (err) {
      this.log.warn({ err: (err as Error).message, file }, 'could not save what the hub sent')
    }
  }
}
