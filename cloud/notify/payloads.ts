// The bodies a notification is sent as. Pure.
//   genericBody    a documented JSON object for any receiver (helserom.incident, version 1)
//   adaptiveCard   a Teams message with an Adaptive Card (what Teams Workflows webhooks take)
//   messageCard    a legacy Office 365 connector MessageCard (older incoming webhooks)
// Bokmål first, English below it, as IT reads it; rooms and devices by name.
import type { Incident } from '../incidents/incident.js'
import { clock, severityWord } from '../incidents/texts.js'
import type { Notification, NotifyEvent } from './notification.js'

export const GENERIC_BODY_TYPE = 'helserom.incident'

const eventWord: Record<NotifyEvent, { nb: string, en: string }> = {
  opened: { nb: 'Ny hendelse', en: 'New incident' },
  reopened: { nb: 'Hendelsen er tilbake', en: 'Incident is back' },
  escalated: { nb: 'Mer alvorlig', en: 'More severe' },
  reminder: { nb: 'Påminnelse: ikke kvittert', en: 'Reminder: not acknowledged' },
  overdue: { nb: 'Ikke kvittert innen lovet responstid', en: 'Not acknowledged within the promised response time' },
  acknowledged: { nb: 'Kvittert', en: 'Acknowledged' },
  resolved: { nb: 'Løst', en: 'Resolved' }
}

const stateWord: Record<Incident['state'], { nb: string, en: string }> = {
  open: { nb: 'åpen', en: 'open' },
  acknowledged: { nb: 'kvittert', en: 'acknowledged' },
  resolved: { nb: 'løst', en: 'resolved' }
}

/** The generic webhook body. The incident is sent without its history (the API has it). */
export function genericBody (n: Notification): Record<string, unknown> {
  const { history, ...incident } = n.incident
  return {
    type: GENERIC_BODY_TYPE,
    version: 1,
    id: n.id,
    event: n.event,
    at: n.at,
    headline: n.headline,
    incident: { ...incident, historyLength: history.length },
    link: n.link
  }
}

function facts (n: Notification, timeZone: string): Array<{ nb: string, en: string, value: string }> {
  const i = n.incident
  const out = [
    { nb: 'Rom', en: 'Room', value: i.roomName },
    ...(i.deviceName !== null ? [{ nb: 'Utstyr', en: 'Device', value: i.deviceName }] : []),
    { nb: 'Alvorlighet', en: 'Severity', value: `${severityWord[i.severity].nb} / ${severityWord[i.severity].en}` },
    { nb: 'Status', en: 'State', value: `${stateWord[i.state].nb} / ${stateWord[i.state].en}${i.acknowledgedBy !== null ? ` (${i.acknowledgedBy})` : ''}` },
    { nb: 'Åpnet', en: 'Opened', value: clock(i.openedAt, n.at, timeZone, 'nb') }
  ]
  if (i.consultation !== null) out.push({ nb: 'Konsultasjon', en: 'Consultation', value: `${clock(i.consultation.start, n.at, timeZone, 'nb')} (${i.consultation.profile})` })
  return out
}

const cardColor: Record<Incident['severity'], string> = { info: 'accent', warning: 'warning', critical: 'attention' }

/** A Teams message carrying an Adaptive Card (1.4). */
export function adaptiveCard (n: Notification, timeZone: string): Record<string, unknown> {
  const i = n.incident
  const resolved = n.event === 'resolved'
  return {
    type: 'message',
    attachments: [{
      contentType: 'application/vnd.microsoft.card.adaptive',
      contentUrl: null,
      content: {
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        type: 'AdaptiveCard',
        version: '1.4',
        msteams: { width: 'Full' },
        body: [
          { type: 'TextBlock', text: `${eventWord[n.event].nb} · ${eventWord[n.event].en}`, size: 'Small', isSubtle: true, wrap: true },
          { type: 'TextBlock', text: n.headline.nb, weight: 'Bolder', size: 'Medium', color: resolved ? 'good' : cardColor[i.severity], wrap: true },
          { type: 'TextBlock', text: i.detail.nb, wrap: true },
          { type: 'FactSet', facts: facts(n, timeZone).map((f) => ({ title: `${f.nb} / ${f.en}`, value: f.value })) },
          { type: 'TextBlock', text: n.headline.en, weight: 'Bolder', spacing: 'Medium', isSubtle: true, wrap: true },
          { type: 'TextBlock', text: i.detail.en, isSubtle: true, wrap: true }
        ],
        ...(n.link !== null ? { actions: [{ type: 'Action.OpenUrl', title: 'Åpne i dashbordet / Open in the dashboard', url: n.link }] } : {})
      }
    }]
  }
}

const themeColor: Record<Incident['severity'], string> = { info: '0078D7', warning: 'FFB900', critical: 'D13438' }

/** A legacy connector MessageCard. */
export function messageCard (n: Notification, timeZone: string): Record<string, unknown> {
  const i = n.incident
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    summary: n.headline.nb,
    themeColor: n.event === 'resolved' ? '107C10' : themeColor[i.severity],
    title: n.headline.nb,
    sections: [
      {
        activityTitle: `${eventWord[n.event].nb} · ${eventWord[n.event].en}`,
        text: i.detail.nb,
        facts: facts(n, timeZone).map((f) => ({ name: `${f.nb} / ${f.en}`, value: f.value }))
      },
      { title: n.headline.en, text: i.detail.en }
    ],
    ...(n.link !== null ? { potentialAction: [{ '@type': 'OpenUri', name: 'Åpne i dashbordet / Open in the dashboard', targets: [{ os: 'default', uri: n.link }] }] } : {})
  }
}
