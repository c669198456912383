// Who is told about an incident: the one replaceable decision. The default routes by the config
// (each target's rooms, minSeverity and events). `routeWith` adds targets chosen for the incident
// itself — the equipment register (cloud/register) gives the failing thing's maintainer, and on
// `overdue` the party it escalates to — under the same filters, each URL told once.
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

/** `base` (default routeByConfig) plus `extra(notification)`, filtered the same way; a URL already chosen is not told twice. */
export function routeWith (extra: (notification: Notification) => readonly NotifyTarget[], base: RouteFn = routeByConfig): RouteFn {
  return (n, configured) => {
    const chosen = [...base(n, configured)]
    const urls = new Set(chosen.map((t) => t.url))
    for (const t of base(n, extra(n))) {
      if (urls.has(t.url)) continue
      urls.add(t.url)
      chosen.push(t)
    }
    return chosen
  }
}

/** The highest severity the incident had (as far as its history remembers). */
export function peakSeverity (incident: Incident): Severity {
  let peak = incident.severity
  for (const e of incident.history) if (e.severity !== undefined && SEVERITY_RANK[e.severity] > SEVERITY_RANK[peak]) peak = e.severity
  return peak
}
