// The `alerts` section of the hub config: when a problem becomes an incident, how bad it is, and
// when IT is told. It extends the `alerts: { leadMinutes }` the hub core already has, so existing
// configs stay valid. Per-room opening hours belong on each gateway (`gateways[].openingHours`, with
// `alerts.openingHours` as the hub default); OpeningHours is exported for cloud/config.ts to add.
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { OPENING_HOURS_DAYS_PATTERN, OPENING_HOURS_TIMES_PATTERN } from './opening-hours.js'

const Strict = { additionalProperties: false } as const
const Minutes = (description: string, dflt: number, max = 24 * 60): ReturnType<typeof Type.Integer> =>
  Type.Integer({ minimum: 0, maximum: max, default: dflt, description })
const Seconds = (description: string, dflt: number): ReturnType<typeof Type.Integer> =>
  Type.Integer({ minimum: 0, maximum: 86_400, default: dflt, description })
/** A rule's own hold, when it should differ from openAfterSeconds (no default: absent means openAfterSeconds). */
const Hold = (description: string): ReturnType<typeof Type.Integer> => Type.Integer({ minimum: 0, maximum: 86_400, description })
const Enabled = Type.Boolean({ default: true, description: 'true or false: whether this rule raises incidents (default true)' })

/**
 * When a room is staffed, e.g. `{ mon-fri: "08:00-16:00", sat: "10:00-13:00" }` (times in
 * alerts.timezone; several ranges as "08:00-11:30,12:00-16:00"; "closed" for none), or "always".
 */
export const OpeningHours = Type.Union([
  Type.Literal('always'),
  Type.Record(
    Type.String({ pattern: OPENING_HOURS_DAYS_PATTERN }),
    Type.String({ pattern: OPENING_HOURS_TIMES_PATTERN }),
    { additionalProperties: false, description: 'days (mon, mon-fri, sat,sun) → "HH:MM-HH:MM[,HH:MM-HH:MM]" or "closed"' }
  )
], { description: 'when the room is staffed: "always", or e.g. { mon-fri: "08:00-16:00" }' })
export type OpeningHours = Static<typeof OpeningHours>

export const AlertRules = Type.Object({
  offline: Type.Object({
    enabled: Enabled,
    /** A gateway restart takes a minute or so; only a longer silence is an incident. */
    holdSeconds: Seconds('seconds a gateway must stay offline before it is an incident (default 120)', 120)
  }, { ...Strict, default: {} }),
  deviceDown: Type.Object({
    enabled: Enabled,
    holdSeconds: Type.Optional(Hold('seconds a required device must stay down (default: alerts.openAfterSeconds)'))
  }, { ...Strict, default: {} }),
  readiness: Type.Object({
    enabled: Enabled,
    /** Reasons that never make an incident of their own (the gateway's uplink is the offline rule's job). */
    ignoreCodes: Type.Array(Type.String({ maxLength: 80 }), { default: ['uplink.down', 'readiness.settling'], description: 'readiness reason codes that never raise an incident by themselves' }),
    holdSeconds: Type.Optional(Hold('seconds the room must stay not-ready (default: alerts.openAfterSeconds)'))
  }, { ...Strict, default: {} }),
  check: Type.Object({
    enabled: Enabled,
    /** A failed check older than this no longer says anything about the room. */
    maxAgeMinutes: Minutes('minutes a failed pre-session check stays relevant (default 180)', 180),
    holdSeconds: Seconds('seconds before a failed check is an incident (default 0: a check is already a deliberate verdict)', 0)
  }, { ...Strict, default: {} }),
  bandwidth: Type.Object({
    enabled: Enabled,
    /** What the hub assumes a consultation needs when the gateway has not judged it (1.5 Mbit/s: one HD stream, Microsoft's figure for Teams). */
    minUpMbps: Type.Number({ minimum: 0, default: 1.5, description: 'upload a consultation needs, Mbit/s (default 1.5; 0 turns the hub\'s own trend off)' }),
    minDownMbps: Type.Number({ minimum: 0, default: 1.5, description: 'download a consultation needs, Mbit/s (default 1.5)' }),
    windowMinutes: Minutes('minutes of measurements the trend is fitted to (default 120)', 120),
    minSamples: Type.Integer({ minimum: 2, maximum: 1000, default: 4, description: 'measurements needed before a trend counts (default 4)' }),
    minSpanMinutes: Minutes('the measurements must cover at least this many minutes (default 10)', 10),
    /** Without a consultation in sight, how far ahead the trend is projected. */
    horizonMinutes: Minutes('how far ahead a trend is projected when no consultation is near (default 60)', 60),
    holdSeconds: Type.Optional(Hold('seconds the trend must persist (default: alerts.openAfterSeconds)'))
  }, { ...Strict, default: {} }),
  battery: Type.Object({
    enabled: Enabled,
    /** Consultations overrun and the estimate is an estimate. */
    marginMinutes: Minutes('minutes of battery wanted beyond the end of the consultation (default 10)', 10),
    holdSeconds: Type.Optional(Hold('seconds before a short battery is an incident (default: alerts.openAfterSeconds)'))
  }, { ...Strict, default: {} }),
  spool: Type.Object({
    enabled: Enabled,
    /** A gateway reports in its status when its store-and-forward spool dropped readings at its bound. */
    windowHours: Type.Integer({ minimum: 1, maximum: 24 * 30, default: 24, description: 'hours an incident stays open after the gateway last dropped telemetry (default 24)' })
  }, { ...Strict, default: {} })
}, { ...Strict, default: {}, description: 'each rule: { enabled, thresholds }' })

export const AlertsConfig = Type.Object({
  /** How long before a consultation a problem must be raised to be useful. */
  leadMinutes: Minutes('minutes before a consultation to raise problems (0–1440)', 60),
  /** Severity grows as a consultation nears: info within leadMinutes, warning within this, critical within criticalMinutes. */
  warningMinutes: Minutes('minutes before a consultation from which a problem is a warning (default 30)', 30),
  criticalMinutes: Minutes('minutes before a consultation from which a problem is critical (default 10)', 10),
  /** Flap suppression: a condition must hold this long before it opens an incident … */
  openAfterSeconds: Seconds('seconds a problem must last before it opens an incident (default 60)', 60),
  /** … and be gone this long before the incident resolves. */
  resolveAfterSeconds: Seconds('seconds a problem must be gone before its incident resolves (default 120)', 120),
  /** A problem that comes back this soon after it resolved reopens the same incident. */
  reopenWithinMinutes: Minutes('minutes after resolving in which the same problem reopens the incident (default 30)', 30),
  /** While an incident is unacknowledged and a consultation is near, IT is reminded this often. */
  reminderMinutes: Minutes('minutes between reminders of an unacknowledged incident before a consultation (default 15; 0: no reminders)', 15),
  /** How often time-driven rules are re-evaluated (consultations coming closer, holds running out). */
  tickSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 15, description: 'seconds between re-evaluations of every room (default 15)' }),
  /** Resolved incidents are kept this long (in memory and in incidents.jsonl). */
  retentionDays: Type.Integer({ minimum: 1, maximum: 3650, default: 90, description: 'days resolved incidents are kept (default 90)' }),
  timezone: Type.String({ minLength: 1, maxLength: 100, default: 'Europe/Oslo', description: 'the IANA time zone of opening hours and of times in messages (default Europe/Oslo)' }),
  /** The default for rooms without their own opening hours. */
  openingHours: Type.Optional(OpeningHours),
  /** Where the fleet dashboard is, for links in notifications (e.g. https://hub.example/). */
  dashboardUrl: Type.Optional(Type.String({ pattern: '^https?://\\S+$', description: 'the fleet dashboard\'s URL, linked from notifications' })),
  rules: AlertRules
}, { ...Strict, default: {}, description: 'alert rules and incident handling: { leadMinutes, openAfterSeconds, rules, … }' })
export type AlertsConfig = Static<typeof AlertsConfig>

/** The section with its defaults filled in; throws listing every problem (also an unknown time zone). */
export function alertsConfig (partial: Record<string, unknown> = {}): AlertsConfig {
  const value = Value.Default(AlertsConfig, structuredClone(partial)) as AlertsConfig
  const errors = [...Value.Errors(AlertsConfig, value)].map((e) => `alerts${e.path.replaceAll('/', '.')}: ${e.message}`)
  const tz = describeTimezoneProblem(value.timezone)
  if (tz !== null) errors.push(`alerts.timezone: ${tz}`)
  if (errors.length > 0) throw new TypeError(`invalid alerts config:\n${errors.join('\n')}`)
  return value
}

/** Checks cloud/config.ts can add to checkHubConfig: report(['alerts', 'timezone'], …). */
export function describeTimezoneProblem (timezone: string): string | null {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone }).format(0)
    return null
  } catch {
    return `"${timezone}" is not a time zone this machine knows (use an IANA name such as Europe/Oslo)`
  }
}
