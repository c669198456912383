// The incident engine: the I/O around the pure parts. It watches the ingest's room events (and a
// tick, for what time alone changes: consultations coming closer, holds running out, reminders,
// response times running out), runs the rules (rules.ts, plus an optional extra rule such as the
// equipment register's calibration) for the room, feeds the result to the lifecycle (lifecycle.ts), and for
// every change: appends it to the incident log, emits it (`change`, for the WebSocket), writes the
// hub's own acts to the audit log, and hands due notifications (notify-policy.ts) to the notifier.
// Nothing here blocks the ingest: the notifier only queues, the logs write in the background.
import { join } from 'node:path'
import type { Logger } from 'pino'
import { Counter, Gauge, type Registry } from 'prom-client'
import type { AuditInput } from '../audit/audit-log.js'
import type { FleetState } from '../fleet-state.js'
import type { IngestEvents } from '../ingest.js'
import { makeNotification, type Notification } from '../notify/notification.js'
import { TypedEmitter } from '../typed-emitter.js'
import { addSample, type BandwidthSample } from './bandwidth-trend.js'
import type { AlertsConfig } from './config.js'
import type { Reason } from '../../protocol/messages.js'
import type { RoomState } from '../fleet-state.js'
import type { Condition, ConsultationRef, Incident } from './incident.js'
import { IncidentLog } from './incident-log.js'
import { IncidentBook, IncidentError, newIncidentId, type ChangeKind, type IncidentChange, type IncidentFilter } from './lifecycle.js'
import { dueNotifications, notificationFor, overdueNotifications, type NotifyEvent } from './notify-policy.js'
import { isOpen, parseOpeningHours, type OpeningHoursSpec, type WeekHours } from './opening-hours.js'
import { currentOrNext, evaluateRoom } from './rules.js'

export { IncidentError }

export interface IncidentChangeEvent {
  kind: Exclude<ChangeKind, 'notified'>
  /** A copy: safe to keep and to serialise. */
  incident: Incident
}

export interface IncidentEngineEvents {
  [event: string]: unknown
  change: IncidentChangeEvent
}

/** A rule from outside the incidents folder (the equipment register's calibration rule). */
export type ExtraRule = (state: RoomState, ctx: { now: number, consultation: ConsultationRef | null }) => {
  conditions: Condition[]
  /** Readiness reasons this rule answers for (or that are nobody's fault): left out of the readiness incident. */
  claims: (reason: Reason) => boolean
}

/** The part of the AuditLog the engine uses. */
export interface AuditSink {
  record: (input: AuditInput) => unknown
  write: (input: AuditInput) => Promise<unknown>
}

export interface IncidentEngineOptions {
  fleet: FleetState
  /** The hub's Ingest (only its `on`). */
  ingest: { on: <K extends keyof IngestEvents & string>(event: K, listener: (payload: IngestEvents[K]) => void) => () => void }
  config: AlertsConfig
  log: Logger
  /** Incidents persist in `<dataDir>/incidents.jsonl`; without it they live in memory only. */
  dataDir?: string
  fsync?: boolean
  /** A room's opening hours (default: config.openingHours; none: always open). */
  openingHours?: (room: string) => OpeningHoursSpec | undefined
  /** Queues a notification (Notifier.notify); returns the targets it went to. */
  notify?: (notification: Notification) => readonly string[]
  audit?: AuditSink
  registry?: Registry
  clock?: () => number
  newId?: (now: number) => string
  extraRule?: ExtraRule
  /**
   * When an incident's promised response runs out (the maintainer's response time within its
   * service hours, cloud/register); null: no promise. An open incident past it is escalated once
   * with the notification event `overdue`.
   */
  responseDue?: (incident: Incident) => number | null
}

const MIN = 60_000
const PRUNE_EVERY_MS = 60 * MIN

export class IncidentEngine extends TypedEmitter<IncidentEngineEvents> {
  readonly book: IncidentBook
  private readonly store: IncidentLog | undefined
  private readonly clock: () => number
  private readonly bandwidth = new Map<string, BandwidthSample[]>()
  private readonly hours = new Map<string, WeekHours | 'always' | undefined>()
  private unsubscribe: (() => void) | undefined
  private timer: NodeJS.Timeout | undefined
  private started: Promise<void> | undefined
  private lastPrune = 0
  private readonly counted: Counter<'rule' | 'kind'> | undefined
  private readonly saveErrors: Counter | undefined

  constructor (private readonly options: IncidentEngineOptions) {
    super((err, event) => options.log.error({ err, event }, 'an incident listener threw'))
    if (options.fleet === undefined || options.ingest === undefined || options.config === undefined || options.log === undefined) {
      throw new TypeError('IncidentEngine needs fleet, ingest, config and log')
    }
    this.clock = options.clock ?? Date.now
    const c = options.config
    this.book = new IncidentBook({ resolveAfterMs: c.resolveAfterSeconds * 1000, reopenWindowMs: c.reopenWithinMinutes * MIN }, options.newId ?? newIncidentId)
    this.store = options.dataDir !== undefined
      ? new IncidentLog(join(options.dataDir, 'incidents.jsonl'), { retentionMs: c.retentionDays * 24 * 60 * MIN, clock: this.clock, ...(options.fsync !== undefined ? { fsync: options.fsync } : {}) })
      : undefined
    if (options.registry !== undefined) {
      this.counted = new Counter({
        name: 'helserom_hub_incidents_total',
        help: 'incident transitions by rule and kind (opened, reopened, escalated, acknowledged, resolved)',
        labelNames: ['rule', 'kind'] as const,
        registers: [options.registry]
      })
      this.saveErrors = new Counter({
        name: 'helserom_hub_incident_log_errors_total',
        help: 'incident changes that could not be written to incidents.jsonl (see the hub log)',
        registers: [options.registry]
      })
      const book = this.book
      new Gauge({ // eslint-disable-line no-new -- registered, read at scrape
        name: 'helserom_hub_incidents_active',
        help: 'incidents open or acknowledged, by state and severity',
        labelNames: ['state', 'severity'] as const,
        registers: [options.registry],
        collect () {
          this.reset()
          for (const i of book.activeIncidents()) this.inc({ state: i.state, severity: i.severity })
        }
      })
    }
  }

  /** Loads the incident log, starts watching the fleet, evaluates every room once. Idempotent. */
  async start (): Promise<void> {
    this.started ??= this.startOnce()
    await this.started
  }

  private async startOnce (): Promise<void> {
    if (this.store !== undefined) {
      const loaded = await this.store.load()
      this.book.load(loaded.incidents)
      if (loaded.bad > 0) this.options.log.warn({ path: this.store.path, bad: loaded.bad }, 'skipped unreadable lines in the incident log')
      this.options.log.info({ incidents: loaded.incidents.length, active: this.book.activeIncidents().length, compacted: loaded.compacted }, 'incidents loaded')
    }
    this.unsubscribe = this.options.ingest.on('room', (e) => {
      if (e.part === 'network') this.sample(e.room)
      this.evaluate(e.room)
    })
    this.tick()
    const every = this.options.config.tickSeconds * 1000
    this.timer = setInterval(() => this.tick(), every)
    this.timer.unref()
  }

  /** Stops watching and writes what is pending. */
  async stop (): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    this.unsubscribe?.()
    this.unsubscribe = undefined
    await this.started?.catch(() => {})
    await this.store?.close()
    this.removeAllListeners()
  }

  /** Re-evaluates every room and sends what time has made due. Called by the timer; tests call it with a fake clock. */
  tick (): void {
    const now = this.clock()
    for (const room of this.options.fleet.list()) this.evaluate(room.room)
    const c = this.options.config
    const due = dueNotifications(this.book.activeIncidents(), {
      now,
      staffed: (i) => this.staffed(i.room, i.consultation, now),
      reminderMs: c.reminderMinutes * MIN,
      leadMs: c.leadMinutes * MIN
    })
    for (const { incident, event } of due) this.send(incident, event, now)
    const responseDue = this.options.responseDue
    if (responseDue !== undefined) {
      const dueAt = (i: Incident): number | null => {
        try { return responseDue(i) } catch (err) { this.options.log.error({ err, incident: i.id }, 'the response time of an incident could not be found'); return null }
      }
      for (const incident of overdueNotifications(this.book.activeIncidents(), now, dueAt)) this.overdue(incident, now)
    }
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now
      this.book.prune(now, c.retentionDays * 24 * 60 * MIN)
    }
  }

  /** Runs the rules for one room and applies the result. Never throws. */
  evaluate (room: string): void {
    try {
      const state = this.options.fleet.get(room)
      if (state === undefined) return
      const now = this.clock()
      const extra = this.options.extraRule?.(state, { now, consultation: currentOrNext(state, now) })
      const result = evaluateRoom(state, {
        now,
        config: this.options.config,
        bandwidth: this.bandwidth.get(room) ?? [],
        ...(extra !== undefined ? { claimed: extra.claims } : {})
      })
      const staffed = this.staffed(room, result.consultation, now)
      const changes = this.book.update({
        room,
        roomName: state.name,
        conditions: extra !== undefined ? [...result.conditions, ...extra.conditions] : result.conditions,
        quiet: !staffed,
        keep: result.unknown
      }, now)
      for (const change of changes) this.apply(change, staffed, now)
    } catch (err) {
      this.options.log.error({ err, room }, 'evaluating a room for incidents failed')
    }
  }

  /** Acknowledges an incident for `user`; the acknowledgement is in the audit log before this resolves. */
  async acknowledge (id: string, user: { name: string, role: string }, note?: string): Promise<Incident> {
    const now = this.clock()
    const existing = this.book.get(id)
    let change: IncidentChange
    try {
      change = this.book.acknowledge(id, user.name, now, note)
    } catch (err) {
      if (err instanceof IncidentError && existing !== undefined) {
        this.options.audit?.record({ actor: user.name, role: user.role, action: 'incident.ack', room: existing.room, ...deviceOf(existing), detail: { incident: id, cause: existing.cause }, result: err.code })
      }
      throw err
    }
    const i = change.incident
    await this.options.audit?.write({
      actor: user.name,
      role: user.role,
      action: 'incident.ack',
      room: i.room,
      ...deviceOf(i),
      detail: { incident: i.id, cause: i.cause, severity: i.severity, ...(note !== undefined && note !== '' ? { note: note.slice(0, 500) } : {}) },
      result: 'ok'
    })
    this.apply(change, true, now)
    return structuredClone(i)
  }

  get (id: string): Incident | undefined {
    const i = this.book.get(id)
    return i !== undefined ? structuredClone(i) : undefined
  }

  list (filter: IncidentFilter = {}): Incident[] {
    return this.book.list(filter).map((i) => structuredClone(i))
  }

  /** Resolves when every change so far is in the incident log. */
  async flush (): Promise<void> {
    await this.store?.flush()
  }

  private apply (change: IncidentChange, staffed: boolean, now: number): void {
    const i = change.incident
    this.save(i)
    if (change.kind !== 'notified') {
      this.counted?.inc({ rule: i.rule, kind: change.kind })
      this.emit('change', { kind: change.kind, incident: structuredClone(i) })
    }
    const act = auditAction[change.kind]
    if (act !== undefined) {
      this.options.audit?.record({
        actor: 'hub',
        role: 'system',
        action: act,
        room: i.room,
        ...deviceOf(i),
        detail: { incident: i.id, cause: i.cause, severity: i.severity, ...(change.kind === 'opened' || change.kind === 'reopened' ? { quiet: i.quiet } : {}) }
      })
    }
    const event = notificationFor(change, staffed)
    if (event !== null) this.send(i, event, now)
  }

  /** Escalates an incident nobody acknowledged in time: notified (when someone takes it) and audited once. */
  private overdue (incident: Incident, now: number): void {
    this.send(incident, 'overdue', now)
    if ((incident.overdueAt ?? null) === null) {
      // nobody to tell: still recorded once, so the tick does not try every 15 s
      const change = this.book.markNotified(incident.id, 'overdue', now)
      if (change !== null) this.save(change.incident)
    }
    this.counted?.inc({ rule: incident.rule, kind: 'overdue' })
    this.emit('change', { kind: 'updated', incident: structuredClone(incident) })
    this.options.audit?.record({
      actor: 'hub',
      role: 'system',
      action: 'incident.overdue',
      room: incident.room,
      ...deviceOf(incident),
      detail: { incident: incident.id, cause: incident.cause, severity: incident.severity, openedAt: incident.openedAt }
    })
  }

  private send (incident: Incident, event: NotifyEvent, now: number): void {
    if (this.options.notify === undefined) return
    const targets = this.options.notify(makeNotification(event, incident, now, this.options.config.dashboardUrl))
    // nobody to tell (no target takes this room or severity): not "told", so a later escalation still tells
    if (targets.length === 0) return
    const change = this.book.markNotified(incident.id, event, now)
    if (change !== null) this.save(change.incident)
  }

  private save (incident: Incident): void {
    if (this.store === undefined) return
    this.store.save(incident).catch((err: unknown) => {
      this.saveErrors?.inc()
      this.options.log.error({ err, incident: incident.id }, 'could not write an incident change to the incident log')
    })
  }

  private sample (room: string): void {
    const n = this.options.fleet.get(room)?.network
    if (n == null || (n.upMbps === null && n.downMbps === null)) return
    const windowMs = this.options.config.rules.bandwidth.windowMinutes * MIN
    const at = n.throughputTs ?? n.ts
    this.bandwidth.set(room, addSample(this.bandwidth.get(room) ?? [], { at, upMbps: n.upMbps, downMbps: n.downMbps }, windowMs))
  }

  /** Someone is there to act: inside opening hours, or a consultation is near or running. */
  private staffed (room: string, consultation: ConsultationRef | null, now: number): boolean {
    const c = this.options.config
    if (consultation !== null && consultation.start - now <= c.leadMinutes * MIN && now < consultation.start + consultation.minutes * MIN) return true
    return isOpen(this.hoursOf(room), now, c.timezone)
  }

  private hoursOf (room: string): WeekHours | 'always' | undefined {
    if (!this.hours.has(room)) {
      const spec = this.options.openingHours?.(room) ?? this.options.config.openingHours
      let parsed: WeekHours | 'always' | undefined
      try {
        parsed = spec !== undefined ? parseOpeningHours(spec) : undefined
      } catch (err) {
        // fail towards telling IT: a room whose hours cannot be read has no quiet hours
        this.options.log.error({ err, room }, 'opening hours cannot be read; the room gets no quiet hours')
        parsed = undefined
      }
      this.hours.set(room, parsed)
    }
    return this.hours.get(room)
  }
}

const auditAction: Partial<Record<ChangeKind, string>> = {
  opened: 'incident.open',
  reopened: 'incident.reopen',
  escalated: 'incident.escalate',
  resolved: 'incident.resolve'
}

function deviceOf (i: Incident): { device?: string } {
  return i.device !== null ? { device: i.device } : {}
}
