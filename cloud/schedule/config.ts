// The `scheduleImport` section of the hub config: how .ics calendars become room schedules.
// cloud/config.ts includes it as `scheduleImport: ScheduleImportConfig`.
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

export const ProfileName = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,99}$', description: 'a consultation profile of the rooms, e.g. ortopedi' })

export const ScheduleImportConfig = Type.Object({
  /** CATEGORIES value or SUMMARY keyword → profile, e.g. { "Hud": "hud-sar", "Ortopedi": "ortopedi" }. */
  profiles: Type.Record(Type.String({ minLength: 1, maxLength: 100 }), ProfileName, { default: {}, description: 'calendar category or title keyword → consultation profile' }),
  defaultProfile: Type.Optional(ProfileName),
  horizonDays: Type.Integer({ minimum: 1, maximum: 366, default: 60, description: 'days ahead that are imported (1–366, default 60)' }),
  defaultMinutes: Type.Integer({ minimum: 1, maximum: 1440, default: 30, description: 'length of an event without DTEND or DURATION (default 30)' }),
  /** SUMMARY often names the patient; it is left out of the schedule unless this is true. */
  includeTitle: Type.Boolean({ default: false, description: 'true or false: copy the event title into the schedule (default false: titles often name the patient)' }),
  maxBytes: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024, default: 2 * 1024 * 1024, description: 'the largest calendar accepted, in bytes (default 2 MiB)' }),
  timeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000, description: 'ms to wait for a calendar URL (default 10000)' }),
  timezone: Type.String({ minLength: 1, default: 'Europe/Oslo', description: 'zone of times without a zone (default Europe/Oslo)' }),
  allowHosts: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { description: 'when given, calendar URLs may only point at these hosts' }))
}, { additionalProperties: false, default: {}, description: 'importing schedules from iCalendar (.ics): { profiles, defaultProfile, horizonDays }' })
export type ScheduleImportConfig = Static<typeof ScheduleImportConfig>

export function scheduleImportConfig (partial: Record<string, unknown> = {}): ScheduleImportConfig {
  const value = Value.Default(ScheduleImportConfig, structuredClone(partial)) as ScheduleImportConfig
  const errors = [...Value.Errors(ScheduleImportConfig, value)].map((e) => `scheduleImport${e.path.replaceAll('/', '.')}: ${e.message}`)
  if (errors.length > 0) throw new TypeError(`invalid scheduleImport config:\n${errors.join('\n')}`)
  return value
}
