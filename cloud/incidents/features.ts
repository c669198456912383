// The hub's incident features composed in one place — audit log, view audit, notifier, incident
// engine and their HTTP routes (incidents, audit, schedule import) — so that the Hub wires them with
// a few lines (see README.md, "Wiring"). Each part also works alone; this only connects them:
//   engine changes → notifier (queued) → delivery results → audit log (notify.sent / notify.failed)
//   engine's own acts (incident.open / resolve …) and acknowledgements → audit log
//   the hub's `audit` option (views of patient data) → ViewAudit → audit log (view.start / view.end)
import { join } from 'node:path'
import type { FastifyPluginAsync } from 'fastify'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { ScheduleMessage } from '../../protocol/messages.js'
import { AuditLog } from '../audit/audit-log.js'
import { auditRoutes } from '../audit/audit-routes.js'
import type { AuditConfig } from '../audit/config.js'
import { ViewAudit } from '../audit/view-audit.js'
import type { FleetState } from '../fleet-state.js'
import type { NotifyTarget } from '../notify/config.js'
import { Notifier, type DeliveryResult } from '../notify/notifier.js'
import type { RouteFn } from '../notify/route.js'
import type { ScheduleImportConfig } from '../schedule/config.js'
import { scheduleImportRoutes } from '../schedule/import-routes.js'
import type { AlertsConfig } from './config.js'
import { IncidentEngine, type IncidentEngineOptions } from './engine.js'
import { incidentRoutes } from './incident-routes.js'
import type { OpeningHoursSpec } from './opening-hours.js'

export interface IncidentFeaturesConfig {
  alerts: AlertsConfig
  notify: readonly NotifyTarget[]
  audit: AuditConfig
  scheduleImport: ScheduleImportConfig
  /** Each room's opening hours (gateways[].openingHours), when it has its own. */
  gateways: ReadonlyArray<{ room: string, openingHours?: OpeningHoursSpec }>
}

export interface IncidentFeaturesDeps {
  dataDir: string
  fleet: FleetState
  ingest: IncidentEngineOptions['ingest']
  log: Logger
  publishSchedule: (room: string, schedule: ScheduleMessage) => Promise<void>
  /** The hub's metrics registry (hub.metrics.registry). */
  registry?: Registry
  clock?: () => number
  /** Who is told (default: by the notify config). */
  route?: RouteFn
  /** An extra rule (the equipment register's calibration) and the promised response times (IncidentEngineOptions). */
  extraRule?: IncidentEngineOptions['extraRule']
  responseDue?: IncidentEngineOptions['responseDue']
  /** Notifier retry timing (tests make it short). */
  retry?: { baseDelayMs?: number, maxDelayMs?: number }
}

export class IncidentFeatures {
  readonly audit: AuditLog
  readonly views: ViewAudit
  readonly notifier: Notifier
  readonly engine: IncidentEngine
  /** Register on the hub's app before start(): incidents, audit and schedule-import routes. */
  readonly routes: FastifyPluginAsync
  private stopped: Promise<void> | undefined

  constructor (config: IncidentFeaturesConfig, deps: IncidentFeaturesDeps) {
    const clock = deps.clock ?? Date.now
    this.audit = new AuditLog({
      dir: join(deps.dataDir, 'audit'),
      fsync: config.audit.fsync,
      clock,
      log: deps.log.child({ part: 'audit' }),
      ...(deps.registry !== undefined ? { registry: deps.registry } : {})
    })
    this.views = new ViewAudit(this.audit, { gapMs: config.audit.viewGapSeconds * 1000, clock })
    this.notifier = new Notifier({
      targets: config.notify,
      log: deps.log.child({ part: 'notify' }),
      timezone: config.alerts.timezone,
      onResult: (r) => this.auditDelivery(r),
      ...(deps.route !== undefined ? { route: deps.route } : {}),
      ...(deps.registry !== undefined ? { registry: deps.registry } : {}),
      ...(deps.retry?.baseDelayMs !== undefined ? { baseDelayMs: deps.retry.baseDelayMs } : {}),
      ...(deps.retry?.maxDelayMs !== undefined ? { maxDelayMs: deps.retry.maxDelayMs } : {})
    })
    const hours = new Map(config.gateways.filter((g) => g.openingHours !== undefined).map((g) => [g.room, g.openingHours!]))
    this.engine = new IncidentEngine({
      fleet: deps.fleet,
      ingest: deps.ingest,
      config: config.alerts,
      log: deps.log.child({ part: 'incidents' }),
      dataDir: deps.dataDir,
      fsync: config.audit.fsync,
      openingHours: (room) => hours.get(room),
      notify: (n) => this.notifier.notify(n),
      audit: this.audit,
      clock,
      ...(deps.registry !== undefined ? { registry: deps.registry } : {}),
      ...(deps.extraRule !== undefined ? { extraRule: deps.extraRule } : {}),
      ...(deps.responseDue !== undefined ? { responseDue: deps.responseDue } : {})
    })
    const engine = this.engine
    const audit = this.audit
    this.routes = async (app) => {
      await app.register(incidentRoutes, { engine })
      await app.register(auditRoutes, { audit })
      await app.register(scheduleImportRoutes, {
        fleet: deps.fleet,
        publishSchedule: deps.publishSchedule,
        config: config.scheduleImport,
        audit,
        clock,
        ...(deps.registry !== undefined ? { registry: deps.registry } : {})
      })
    }
  }

  /** For the hub's `audit` option: every view of patient data. */
  get viewAudit (): ViewAudit['report'] {
    return this.views.report
  }

  /** Loads the incident log and starts watching; call before the broker delivers the retained state. */
  async start (): Promise<void> {
    await this.engine.start()
  }

  /** Stops the engine, then the notifier (queued notifications are dropped and audited), then the logs. Idempotent. */
  async stop (): Promise<void> {
    this.stopped ??= (async () => {
      await this.engine.stop()
      await this.notifier.close()
      this.views.close()
      await this.audit.close()
    })()
    await this.stopped
  }

  private auditDelivery (r: DeliveryResult): void {
    const i = r.notification.incident
    try {
      this.audit.record({
        actor: 'hub',
        role: 'system',
        action: `notify.${r.outcome}`,
        room: i.room,
        ...(i.device !== null ? { device: i.device } : {}),
        detail: {
          incident: i.id,
          event: r.notification.event,
          target: r.target,
          kind: r.kind,
          attempts: r.attempts,
          ...(r.status !== null ? { status: r.status } : {}),
          ...(r.error !== null ? { error: r.error.slice(0, 300) } : {})
        },
        result: r.outcome === 'sent' ? 'ok' : r.outcome
      })
    } catch {
      // the audit log is closed (the hub is stopping): nothing more can be recorded
    }
  }
}
