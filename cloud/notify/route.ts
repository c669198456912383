// Who is told about an incident: the one replaceable decision. The default routes by the config
// (each target's rooms, minSeverity and events). A later issue routes to the owner or maintainer of
// the failing device from the equipment register: pass another RouteFn to the Notifier — it may
// return targets that are not in the config, built from the register.
import { SEVERITY_RANK, type Incident, type Severity } from '../incidents/incident.js'
import type { NotifyTarget } from './config.js'
import type { Notification } from './notification.js'

export type RouteFn = (notification: Notification, configured: readonly NotifyTarget[]) => readonly NotifyTarget[]

export const routeByConfig: RouteFn = (n, configured) => {
  // an acknowledgement or resolution goes to whoever heard of the incident, even if it eased since
  const severity = n.event === 'acknowledged' || n.event === 'resolved' ? peakSeverity(n.incident) : n.incident.severity
  return configured.filter((t) =>
    (t.rooms === undefined || t.rooms.includes('*') || t.rooms.includes(n.incident.room)) &&
    SEVERITY_RANK[severity] >= SEVERITY_RANK[t.minSeverity ?? 'info'] &&
    (t.events === undefined || t.events.includes(n.event))
  )
}

/** The highest severity the incident had (as far as its history remembers). */
export function peakSeverity (incident: Incident): Severity {
  let peak = incident.severity
  for (const e of incident.history) if (e.severity !== undefined && SEVERITY_RANK[e.severity] > SEVERITY_RANK[peak]) peak = e.severity
  return peak
}
