// What an incident is: one problem of one room (room + cause, e.g. rodoy-1 + device.down:cam-1),
// its lifecycle open → acknowledged → resolved, its severity, its texts for IT (bokmål first) and its
// history. The TypeBox schema is the API's (GET /api/incidents) and the WebSocket's shape.
import { Type, type Static } from '@sinclair/typebox'
import { LocalizedText } from '../../protocol/messages.js'

export const Severity = Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')], { description: 'info, warning or critical; grows as a consultation nears' })
export type Severity = Static<typeof Severity>

export const IncidentState = Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved')])
export type IncidentState = Static<typeof IncidentState>

export const RuleName = Type.Union([
  Type.Literal('offline'), Type.Literal('deviceDown'), Type.Literal('readiness'),
  Type.Literal('check'), Type.Literal('bandwidth'), Type.Literal('battery'), Type.Literal('calibration'), Type.Literal('spool')
], { description: 'the rule that raised it' })
export type RuleName = Static<typeof RuleName>

export const HistoryEventKind = Type.Union([
  Type.Literal('opened'), Type.Literal('reopened'), Type.Literal('escalated'), Type.Literal('eased'),
  Type.Literal('updated'), Type.Literal('acknowledged'), Type.Literal('resolved'),
  Type.Literal('notified'), Type.Literal('quiet')
])
export type HistoryEventKind = Static<typeof HistoryEventKind>

const Ms = Type.Integer({ minimum: 0, description: 'ms since epoch, UTC' })
const Nullable = <T extends ReturnType<typeof Type.String> | typeof Ms>(s: T) => Type.Union([s, Type.Null()])

export const HistoryEvent = Type.Object({
  at: Ms,
  event: HistoryEventKind,
  severity: Type.Optional(Severity),
  /** Who acknowledged; or for notified: the notification's event (opened, reminder …). */
  by: Type.Optional(Type.String()),
  note: Type.Optional(Type.String())
})
export type HistoryEvent = Static<typeof HistoryEvent>

export const ConsultationRef = Type.Object({
  id: Type.String(),
  start: Ms,
  minutes: Type.Integer(),
  profile: Type.String()
}, { description: 'the consultation the incident threatens (the room\'s running or next one)' })
export type ConsultationRef = Static<typeof ConsultationRef>

export const Incident = Type.Object({
  id: Type.String({ description: 'e.g. i-m3k2x9-4f2a' }),
  /** room + ":" + cause: at most one incident that is not resolved per key. */
  key: Type.String({ description: 'room:cause, e.g. rodoy-1:device.down:cam-1' }),
  room: Type.String(),
  roomName: Type.String(),
  cause: Type.String({ description: 'offline, device.down:<device>, readiness, check.failed, network.bandwidth, device.battery-short:<device>' }),
  rule: RuleName,
  device: Nullable(Type.String()),
  deviceName: Nullable(Type.String()),
  state: IncidentState,
  severity: Severity,
  title: LocalizedText,
  detail: LocalizedText,
  consultation: Type.Union([ConsultationRef, Type.Null()]),
  openedAt: Ms,
  updatedAt: Ms,
  acknowledgedAt: Nullable(Ms),
  acknowledgedBy: Nullable(Type.String()),
  resolvedAt: Nullable(Ms),
  reopenCount: Type.Integer({ minimum: 0 }),
  /** Opened outside the room's opening hours: recorded, notified only once the room opens. */
  quiet: Type.Boolean(),
  /** When IT was last told (opened, escalated, reminder); null: not yet. */
  notifiedAt: Nullable(Ms),
  /** When it was escalated for not being acknowledged within the maintainer's promised response time. */
  overdueAt: Type.Optional(Nullable(Ms)),
  history: Type.Array(HistoryEvent, { description: 'what happened, oldest first (at most the last 100 events)' })
}, { description: 'an incident' })
export type Incident = Static<typeof Incident>

/** What the rules find wrong with a room right now (before flap suppression makes it an incident). */
export interface Condition {
  cause: string
  rule: RuleName
  device: string | null
  deviceName: string | null
  severity: Severity
  title: LocalizedText
  detail: LocalizedText
  consultation: ConsultationRef | null
  /** How long the condition must hold before it opens an incident (flap suppression). */
  holdMs: number
}

export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 }

export function maxSeverity (a: Severity, b: Severity): Severity {
  return SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b
}

export function isActive (i: Pick<Incident, 'state'>): boolean {
  return i.state !== 'resolved'
}

/** The key of a room's cause. */
export function incidentKey (room: string, cause: string): string {
  return `${room}:${cause}`
}
