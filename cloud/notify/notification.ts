// One notification about one incident: what happened to it (opened, reminder, resolved …), the
// incident as it is now, a one-line headline (bokmål, English) and a link to the dashboard.
import { createHash } from 'node:crypto'
import type { LocalizedText } from '../../protocol/messages.js'
import type { Incident } from '../incidents/incident.js'
import type { NotifyEvent } from '../incidents/notify-policy.js'
import { headline } from '../incidents/texts.js'

export type { NotifyEvent }

export interface Notification {
  /** Unique per notification; receivers may de-duplicate retries by it (header x-helserom-delivery). */
  id: string
  event: NotifyEvent
  at: number
  incident: Incident
  headline: LocalizedText
  link: string | null
}

export function makeNotification (event: NotifyEvent, incident: Incident, at: number, dashboardUrl?: string): Notification {
  const snapshot = structuredClone(incident)
  return {
    id: createHash('sha256').update(`${incident.id}\u0000${event}\u0000${at}`).digest('hex').slice(0, 24),
    event,
    at,
    incident: snapshot,
    headline: headline(incident.severity, incident.title),
    link: dashboardUrl !== undefined ? new URL(`#incident/${encodeURIComponent(incident.id)}`, dashboardUrl).toString() : null
  }
}
