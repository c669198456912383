// The equipment register's features composed for the Hub, the way cloud/incidents/features.ts
// composes the incidents: the register (fed by the ingest's device health), the specialist's
// presence (fed by the consultation consoles on /ws, the hub's `console` report), each room's retained `support` message (published
// when it changes), and the three hooks the incident features take:
//   route        the failing thing's maintainer hears of its incidents (and, when overdue, the
//                party it escalates to) besides the configured targets (notify/route.ts routeWith)
//   responseDue  the maintainer's promised response time, counted within its service hours
//   extraRule    calibration or control due: a low-priority incident for the maintainer
import type { FastifyPluginAsync } from 'fastify'
import type { Logger } from 'pino'
import type { SupportMessage } from '../../protocol/messages.js'
import type { FleetState } from '../fleet-state.js'
import type { ExtraRule, IncidentEngineOptions } from '../incidents/engine.js'
import type { Incident } from '../incidents/incident.js'
import { responseClockStart } from '../incidents/notify-policy.js'
import { currentOrNext } from '../incidents/rules.js'
import type { NotifyTarget } from '../notify/config.js'
import type { Notification } from '../notify/notification.js'
import { routeWith, type RouteFn } from '../notify/route.js'
import { calibrationCondition, calibrationReason, calibrationStatus } from './calibration.js'
import type { Party, RegisterSettings, RoomRegisterConfig } from './config.js'
import { EquipmentRegister, type RegisterAudit } from './equipment-register.js'
import { presenceState, SpecialistPresence, type ConsoleReportLike } from './presence.js'
import { registerRoutes } from './register-routes.js'
import { isHubReasonCode } from './responsibility.js'
import { addServiceMinutes } from './service-hours.js'

/** The support message carries at most this many reasons (protocol/messages.ts). */
const MAX_REASONS = 100

export interface RegisterFeaturesConfig {
  parties: readonly Party[]
  register: RegisterSettings
  gateways: ReadonlyArray<{ room: string, name: string, register?: RoomRegisterConfig }>
  /** The hub's time zone (alerts.timezone): service hours and calibration dates. */
  timezone: string
  /** alerts.rules.readiness.ignoreCodes. */
  ignoreCodes?: readonly string[]
  fsync?: boolean
}

export interface RegisterFeaturesDeps {
  dataDir: string
  fleet: FleetState
  ingest: IncidentEngineOptions['ingest']
  log: Logger
  clock?: () => number
  /** The audit log (read when needed: the incident features build it). */
  audit: () => RegisterAudit | undefined
  /** Publishes a room's retained `support` message. */
  publish: (room: string, message: SupportMessage) => Promise<void>
}

export class RegisterFeatures {
  readonly register: EquipmentRegister
  readonly presence: SpecialistPresence
  /** Register on the hub's app before start(): the register API and each room's support contacts. */
  readonly routes: FastifyPluginAsync
  readonly route: RouteFn
  readonly extraRule: ExtraRule
  readonly responseDue: (incident: Incident) => number | null
  private readonly clock: () => number
  private readonly published = new Map<string, string>()
  /** incident id → whom it was routed to, so its acknowledgement and resolution reach the same parties. */
  private readonly routed = new Map<string, NotifyTarget[]>()
  private unsubscribe: (() => void) | undefined
  private timer: NodeJS.Timeout | undefined
  private stopped = false

  constructor (private readonly config: RegisterFeaturesConfig, private readonly deps: RegisterFeaturesDeps) {
    this.clock = deps.clock ?? Date.now
    this.register = new EquipmentRegister({
      parties: config.parties,
      ...(config.register.defaultSupport !== undefined ? { defaultSupport: config.register.defaultSupport } : {}),
      gateways: config.gateways,
      dataDir: deps.dataDir,
      ...(config.fsync !== undefined ? { fsync: config.fsync } : {}),
      log: deps.log.child({ part: 'register' }),
      clock: this.clock,
      audit: deps.audit,
      timezone: config.timezone,
      ...(config.ignoreCodes !== undefined ? { ignoreCodes: config.ignoreCodes } : {})
    })
    this.presence = new SpecialistPresence(this.clock)
    this.route = routeWith((n) => this.maintainerTargets(n))
    this.responseDue = (incident) => this.responseDueAt(incident)
    this.extraRule = (state, ctx) => {
      const conditions = this.register.calibrationSubjects(state.room)
        .map((s) => calibrationCondition(s, calibrationStatus(s.calibration, ctx.now, ctx.consultation, config.timezone), state.name, ctx.consultation))
        .filter((c) => c !== null)
      return { conditions, claims: (r) => isHubReasonCode(r.code) }
    }
    const register = this.register
    this.routes = async (app) => {
      await app.register(registerRoutes, {
        register,
        fleet: deps.fleet,
        support: (room) => this.supportMessage(room),
        timezone: config.timezone,
        clock: this.clock
      })
    }
  }

  /** For the hub's `console` report (cloud/http/live-socket.ts): a room's console opening or closing. Never throws. */
  readonly consoleReport = (v: ConsoleReportLike): void => {
    try {
      if (this.presence.report(v)) this.publish(v.room)
    } catch (err) {
      this.deps.log.error({ err }, 'presence report failed')
    }
  }

  /** Loads the register and starts following the fleet; call before the broker delivers the retained state. */
  async start (): Promise<void> {
    this.register.load()
    for (const room of this.deps.fleet.list()) {
      for (const device of Object.values(room.devices)) this.register.observeDevice(room.room, device)
    }
    this.unsubscribe = this.deps.ingest.on('room', (e) => {
      if (e.part === 'device' && e.device !== undefined) {
        const device = e.state.devices[e.device]
        if (device !== undefined) this.register.observeDevice(e.room, device)
      }
      // a new schedule moves the next consultation: calibration "due before it", presence
      if (e.part === 'schedule' || e.part === 'device' || e.part === 'status') this.publish(e.room)
    })
    this.timer = setInterval(() => this.publishAll(), this.config.register.tickSeconds * 1000)
    this.timer.unref()
  }

  /** Publishes every room's support message that changed since it was last published. */
  publishAll (): void {
    for (const room of this.deps.fleet.list()) this.publish(room.room)
  }

  /** What the room's gateway is told: contacts, calibration reasons, the specialist's presence. */
  supportMessage (room: string): SupportMessage {
    const now = this.clock()
    const state = this.deps.fleet.get(room)
    const consultation = state !== undefined ? currentOrNext(state, now) : null
    const reasons = this.register.calibrationSubjects(room)
      .map((s) => calibrationReason(s, calibrationStatus(s.calibration, now, consultation, this.config.timezone)))
      .filter((r) => r !== null)
      .slice(0, MAX_REASONS)
    const specialist = presenceState(consultation, now, this.config.register.specialistWindowMinutes, this.presence.present(room), (t) => this.presence.seenSince(room, t))
    return {
      contacts: this.register.contacts(room),
      reasons,
      specialist: consultation !== null && specialist !== null ? { consultation: consultation.id, state: specialist } : null,
      ts: now
    }
  }

  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    clearInterval(this.timer)
    this.unsubscribe?.()
    await this.register.flush().catch((err: unknown) => this.deps.log.error({ err }, 'could not write the equipment register'))
  }

  private publish (room: string): void {
    if (this.stopped || !this.deps.fleet.has(room)) return
    const message = this.supportMessage(room)
    const key = JSON.stringify({ ...message, ts: 0 })
    if (this.published.get(room) === key) return
    this.published.set(room, key)
    this.deps.publish(room, message).catch((err: unknown) => {
      // not published (the broker is not up yet, or gone): the next tick tries again
      if (this.published.get(room) === key) this.published.delete(room)
      this.deps.log.debug({ err: (err as Error).message, room }, 'support message not published yet')
    })
  }

  /** Never throws: a register problem must not keep the configured targets from being told. */
  private maintainerTargets (n: Notification): NotifyTarget[] {
    try {
      return this.maintainerTargetsOf(n)
    } catch (err) {
      this.deps.log.error({ err, incident: n.incident.id }, 'could not find the maintainer of an incident; only the configured targets are told')
      return []
    }
  }

  private maintainerTargetsOf (n: Notification): NotifyTarget[] {
    const i = n.incident
    if (n.event === 'acknowledged' || n.event === 'resolved') {
      const told = this.routed.get(i.id) ?? this.targetsOf(i, false)
      if (n.event === 'resolved') this.routed.delete(i.id)
      return told
    }
    const targets = this.targetsOf(i, n.event === 'overdue')
    const before = this.routed.get(i.id) ?? []
    this.routed.set(i.id, [...before, ...targets.filter((t) => !before.some((b) => b.url === t.url))])
    return targets
  }

  private targetsOf (incident: Incident, escalate: boolean): NotifyTarget[] {
    const responsible = this.register.responsibility(incident, this.deps.fleet.get(incident.room))
    const targets = responsible.flatMap((r) => r.targets)
    if (escalate) targets.push(...this.register.parties.targets(responsible[0]?.escalateTo?.id))
    return targets
  }

  private responseDueAt (incident: Incident): number | null {
    const start = responseClockStart(incident)
    if (start === null) return null
    const r = this.register.responsibility(incident, this.deps.fleet.get(incident.room))[0]
    if (r === undefined || r.responseMinutes === null) return null
    return addServiceMinutes(start, r.responseMinutes, this.register.parties.serviceHours(r.serviceHours), this.config.timezone)
  }
}
