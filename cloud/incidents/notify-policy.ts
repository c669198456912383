// When IT is told about an incident, as pure functions of the incident, the clock and whether the
// room is "staffed" now (inside its opening hours, or a consultation is near or running — a
// consultation outside the usual hours is exactly when someone must hear of a problem).
//
//   opened / reopened       told at once when staffed; otherwise recorded quietly and told when the
//                           room opens, if it is still not resolved by then
//   escalated               told when the incident is still unacknowledged (someone is on it otherwise)
//   reminder                every reminderMs while it stays unacknowledged before / during a consultation
//   overdue                 once, when the maintainer's promised response time passes unacknowledged
//   acknowledged / resolved told only when IT had been told about the incident in the first place
//   eased / updated         not told (the dashboard shows them)
import type { Incident } from './incident.js'
import type { IncidentChange } from './lifecycle.js'

export type NotifyEvent = 'opened' | 'reopened' | 'escalated' | 'reminder' | 'overdue' | 'acknowledged' | 'resolved'

export function notificationFor (change: IncidentChange, staffed: boolean): NotifyEvent | null {
  const i = change.incident
  switch (change.kind) {
    case 'opened':
    case 'reopened':
      return staffed ? change.kind : null
    case 'escalated':
      if (i.state !== 'open' || !staffed) return null
      return i.notifiedAt === null ? 'opened' : 'escalated'
    case 'acknowledged':
    case 'resolved':
      return i.notifiedAt !== null ? change.kind : null
    default:
      return null
  }
}

export interface DueContext {
  now: number
  /** Whether someone is there to act on this incident now. */
  staffed: (incident: Incident) => boolean
  /** 0: no reminders. */
  reminderMs: number
  leadMs: number
}

/** Notifications that time alone makes due: the deferred first one after quiet hours, and reminders. */
export function dueNotifications (active: readonly Incident[], ctx: DueContext): Array<{ incident: Incident, event: NotifyEvent }> {
  const due: Array<{ incident: Incident, event: NotifyEvent }> = []
  for (const incident of active) {
    if (incident.state === 'resolved') continue
    if (incident.notifiedAt === null) {
      if (ctx.staffed(incident)) due.push({ incident, event: incident.reopenCount > 0 ? 'reopened' : 'opened' })
      continue
    }
    if (incident.state !== 'open' || ctx.reminderMs <= 0) continue
    const c = incident.consultation
    if (c === null) continue
    const beforeOrDuring = c.start - ctx.now <= ctx.leadMs && ctx.now < c.start + c.minutes * 60_000
    if (beforeOrDuring && ctx.now - incident.notifiedAt >= ctx.reminderMs) due.push({ incident, event: 'reminder' })
  }
  return due
}

/**
 * When the maintainer's response time starts: the first notification after the incident (re)opened
 * — a party cannot answer what nobody told it. Null when nobody has been told yet. When the history
 * has lost the events (it keeps the last 100), the incident's opening.
 */
export function responseClockStart (incident: Incident): number | null {
  if (incident.notifiedAt === null) return null
  let start: number | null = null
  for (const e of incident.history) {
    if (e.event === 'opened' || e.event === 'reopened') start = null
    else if (e.event === 'notified' && start === null && (e.by === 'opened' || e.by === 'reopened')) start = e.at
  }
  return start ?? incident.openedAt
}

/**
 * Incidents still open (not acknowledged) past the promised response time and not yet escalated
 * for it: `dueAt` gives the time (the register: the maintainer's response time within its service
 * hours), null when no response time is promised.
 */
export function overdueNotifications (active: readonly Incident[], now: number, dueAt: (incident: Incident) => number | null): Incident[] {
  const due: Incident[] = []
  for (const incident of active) {
    if (incident.state !== 'open' || incident.notifiedAt === null || (incident.overdueAt ?? null) !== null) continue
    const at = dueAt(incident)
    if (at !== null && now >= at) due.push(incident)
  }
  return due
}
