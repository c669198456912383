// The alert rules as one pure function: (a room's state at the hub, its recent bandwidth, the clock,
// the thresholds) → the conditions that are wrong with it now, each keyed by cause. Flap suppression
// and the incident lifecycle come after this (lifecycle.ts); sending comes after that.
//
//   offline      the gateway is offline                                  cause offline
//   deviceDown   a device the next consultation needs is down            cause device.down:<device>
//   readiness    red or amber within leadMinutes of a consultation       cause readiness
//   check        the latest pre-session check failed                     cause check.failed
//   bandwidth    bandwidth is below, or trending below, what is needed   cause network.bandwidth-up|-down
//   battery      a battery will not last to the end of the consultation  cause device.battery-short:<device>
//
// One fault, one incident: a readiness reason that a specific rule turned into a condition (the
// camera is down, the battery is short) does not also make the readiness incident; the readiness rule
// covers the reasons no other rule claims (latency, loss, clock, unknown profile …).
// Severity grows as the consultation nears: info within leadMinutes, warning within warningMinutes,
// critical within criticalMinutes or while it runs; some rules start higher (an offline gateway is a
// warning whenever it happens). Amber readiness stays one step below red.
// While the gateway is offline, what it said last is stale: only the offline rule runs, and the
// other incidents of the room are left as they are (`unknown` tells the lifecycle so). The same
// holds for what the gateway has not reported yet since the hub started (readiness, the check).
import type { Consultation, Reason } from '../../protocol/messages.js'
import type { RoomState } from '../fleet-state.js'
import { judgeBandwidth, type BandwidthSample, type TrendVerdict } from './bandwidth-trend.js'
import type { AlertsConfig } from './config.js'
import { maxSeverity, type Condition, type ConsultationRef, type RuleName, type Severity } from './incident.js'
import { texts, type BandwidthFinding, type TextContext } from './texts.js'

export interface RuleContext {
  now: number
  config: AlertsConfig
  /** The room's recent throughput measurements (IncidentEngine keeps them). */
  bandwidth?: readonly BandwidthSample[]
  /**
   * Readiness reasons another part of the hub answers for (the equipment register's calibration
   * incidents; the specialist's presence, which is nobody's fault): the readiness rule leaves them out.
   */
  claimed?: (reason: Reason) => boolean
}

export interface RoomEvaluation {
  conditions: Condition[]
  /** The gateway is offline: keep the room's other incidents as they are. */
  offline: boolean
  /**
   * Causes the rules cannot judge now (the gateway is offline, or has not reported readiness or a
   * check since the hub started): their incidents are unknown, not gone, and must not resolve.
   */
  unknown: (cause: string) => boolean
  /** The running or next consultation (also beyond the lead window), or null. */
  consultation: ConsultationRef | null
}

const MIN = 60_000

/** The consultation running now, else the next one to start; from the hub's schedule, else the gateway's. */
export function currentOrNext (state: Pick<RoomState, 'schedule' | 'readiness'>, now: number): ConsultationRef | null {
  const schedule: readonly Consultation[] = state.schedule ?? (state.readiness?.session != null ? [state.readiness.session] : [])
  let best: Consultation | null = null
  for (const c of schedule) {
    if (c.start + c.minutes * MIN <= now) continue
    if (c.start <= now) return ref(c)
    if (best === null || c.start < best.start) best = c
  }
  return best !== null ? ref(best) : null
}

function ref (c: Consultation): ConsultationRef {
  return { id: c.id, start: c.start, minutes: c.minutes, profile: c.profile }
}

/** How severe a problem is by how near the consultation is; null outside the lead window. */
export function proximity (c: ConsultationRef | null, now: number, config: Pick<AlertsConfig, 'leadMinutes' | 'warningMinutes' | 'criticalMinutes'>): Severity | null {
  if (c === null) return null
  const minutes = (c.start - now) / MIN
  if (minutes <= config.criticalMinutes) return 'critical' // also while it runs
  if (minutes <= config.warningMinutes) return 'warning'
  if (minutes <= config.leadMinutes) return 'info'
  return null
}

const easier: Record<Severity, Severity> = { critical: 'warning', warning: 'info', info: 'info' }

export function evaluateRoom (state: RoomState, ctx: RuleContext): RoomEvaluation {
  const { now, config } = ctx
  const consultation = currentOrNext(state, now)
  const near = proximity(consultation, now, config)
  const readiness = state.readiness
  const profileLabel = consultation !== null && readiness?.profile === consultation.profile ? readiness.profileLabel : undefined
  const text: TextContext = { roomName: state.name, now, timeZone: config.timezone, consultation, ...(profileLabel !== undefined ? { profileLabel } : {}) }
  const hold = (rule: { holdSeconds?: number }): number => (rule.holdSeconds ?? config.openAfterSeconds) * 1000
  const rules = config.rules
  const conditions: Condition[] = []
  const add = (rule: RuleName, cause: string, severity: Severity, holdMs: number, t: { title: Condition['title'], detail: Condition['detail'] }, device: { id: string, name: string } | null = null): void => {
    conditions.push({ cause, rule, device: device?.id ?? null, deviceName: device?.name ?? null, severity, title: t.title, detail: t.detail, consultation, holdMs })
  }

  if (!state.online) {
    if (rules.offline.enabled) add('offline', 'offline', maxSeverity('warning', near ?? 'warning'), rules.offline.holdSeconds * 1000, texts.offline(text, state.lastSeen))
    return { conditions, offline: true, consultation, unknown: (cause) => cause !== 'offline' }
  }

  const reasons = state.readiness?.reasons ?? []
  const claimed = new Set<Reason>()
  const deviceName = (id: string): string => state.devices[id]?.name ?? id

  if (rules.deviceDown.enabled) {
    for (const r of reasons) {
      if (r.device === undefined || r.level !== 'red') continue
      claimed.add(r)
      if (conditions.some((c) => c.cause === `device.down:${r.device}`)) continue
      const name = deviceName(r.device)
      add('deviceDown', `device.down:${r.device}`, maxSeverity('warning', near ?? 'warning'), hold(rules.deviceDown), texts.deviceDown(text, name, r), { id: r.device, name })
    }
  }

  if (rules.battery.enabled) batteryConditions(state, reasons, claimed, consultation, near, ctx, text, (cause, severity, t, device) => add('battery', cause, severity, hold(rules.battery), t, device))

  if (rules.bandwidth.enabled) {
    for (const direction of ['up', 'down'] as const) {
      const gatewayReason = reasons.find((r) => r.code === `network.bandwidth-${direction}` || r.code === `network.trend-bandwidth-${direction}`)
      const need = direction === 'up' ? rules.bandwidth.minUpMbps : rules.bandwidth.minDownMbps
      const until = consultation !== null && near !== null ? consultation.start + consultation.minutes * MIN : now + rules.bandwidth.horizonMinutes * MIN
      const verdict = judgeBandwidth(ctx.bandwidth ?? [], direction, need, now, until, {
        windowMs: rules.bandwidth.windowMinutes * MIN,
        minSamples: rules.bandwidth.minSamples,
        minSpanMs: rules.bandwidth.minSpanMinutes * MIN,
        minR2: 0.5
      })
      // the gateway judged against the profile's real need: its word wins over the hub's assumption
      const finding: BandwidthFinding | null = gatewayReason !== undefined ? { kind: 'gateway', reason: gatewayReason } : findingOf(verdict, need)
      if (finding === null) continue
      if (gatewayReason !== undefined) claimed.add(gatewayReason)
      // "close to the limit" matters only with a consultation in sight; below the need always does
      if (finding.kind === 'gateway' && gatewayReason?.level !== 'red' && near === null) continue
      const nowBad = (gatewayReason?.level === 'red') || verdict?.kind === 'below'
      const base: Severity = nowBad ? 'warning' : 'info'
      add('bandwidth', `network.bandwidth-${direction}`, maxSeverity(base, near ?? base), hold(rules.bandwidth), texts.bandwidth(text, direction, finding))
    }
  }

  const check = state.check
  if (rules.check.enabled && check !== null && !check.passed && now - check.ts <= rules.check.maxAgeMinutes * MIN) {
    for (const r of reasons) if (r.code.startsWith('check.')) claimed.add(r)
    const failed = check.steps.filter((s) => !s.passed && s.skipped !== true)
    // A step that could not be measured (no clock to compare with, no figure from the test) is not a
    // fault of the room: IT hears of it, but it does not grow with the consultation's nearness.
    const onlyUnverified = failed.length > 0 && failed.every((s) => s.unverified === true)
    add('check', 'check.failed', onlyUnverified ? 'info' : maxSeverity('warning', near ?? 'warning'), hold(rules.check), texts.checkFailed(text, failed, check.ts, onlyUnverified))
  }

  if (rules.readiness.enabled && near !== null && state.readiness !== null && state.readiness.level !== 'green') {
    const ignore = new Set(rules.readiness.ignoreCodes)
    const left = reasons.filter((r) => !claimed.has(r) && !ignore.has(r.code) && ctx.claimed?.(r) !== true)
    if (left.length > 0) {
      const level = left.some((r) => r.level === 'red') ? 'red' : 'amber'
      add('readiness', 'readiness', level === 'red' ? near : easier[near], hold(rules.readiness), texts.readiness(text, level, left))
    }
  }

  const spool = state.spool
  if (rules.spool.enabled && spool !== null && spool.dropped > 0 && spool.lastDroppedAt !== undefined && now - spool.lastDroppedAt <= rules.spool.windowHours * 60 * MIN) {
    add('spool', 'spool.dropped', 'warning', 0, texts.spoolDropped(text, spool.dropped, spool.lastDroppedAt))
  }

  const noReadiness = state.readiness === null
  const noCheck = state.check === null
  const unknown = (cause: string): boolean => (noCheck && cause === 'check.failed') ||
    (noReadiness && (cause === 'readiness' || cause.startsWith('device.down:') || cause.startsWith('network.bandwidth-') || cause.startsWith('device.battery-short:')))
  return { conditions, offline: false, consultation, unknown }
}

function findingOf (v: TrendVerdict | null, needMbps: number): BandwidthFinding | null {
  if (v === null) return null
  return v.kind === 'below'
    ? { kind: 'below', mbps: v.mbps, needMbps }
    : { kind: 'trend', mbps: v.mbps, needMbps, slopePerHour: v.slopePerHour, crossesAt: v.crossesAt }
}

/** From the gateway's own battery reasons and from each device's battery estimate against the consultation's end. */
function batteryConditions (
  state: RoomState, reasons: readonly Reason[], claimed: Set<Reason>, consultation: ConsultationRef | null, near: Severity | null,
  ctx: RuleContext, text: TextContext,
  add: (cause: string, severity: Severity, t: { title: Condition['title'], detail: Condition['detail'] }, device: { id: string, name: string }) => void
): void {
  const done = new Set<string>()
  const margin = ctx.config.rules.battery.marginMinutes
  // The hub's own view: the battery must last until the consultation is over, not only its length
  // (the gateway checks the length; a device left off the charger for an hour before needs more).
  if (consultation !== null && near !== null) {
    const needed = (consultation.start + consultation.minutes * MIN - ctx.now) / MIN + margin
    for (const d of Object.values(state.devices)) {
      const left = d.metrics.batteryMinutesLeft
      if (typeof left !== 'number' || d.metrics.charging === true || left >= needed) continue
      const name = d.name ?? d.id
      done.add(d.id)
      add(`device.battery-short:${d.id}`, near, texts.battery(text, name, left, needed, null), { id: d.id, name })
    }
  }
  for (const r of reasons) {
    if (r.code !== 'device.battery-short' || r.device === undefined) continue
    claimed.add(r)
    if (done.has(r.device)) continue
    done.add(r.device)
    const name = state.devices[r.device]?.name ?? r.device
    add(`device.battery-short:${r.device}`, near ?? 'info', texts.battery(text, name, null, null, r), { id: r.device, name })
  }
}
