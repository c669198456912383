// The `audit` section of the hub config: how the audit log writes. cloud/config.ts includes it as
// `audit: AuditConfig` (see cloud/incidents/README.md, "Wiring").
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

export const AuditConfig = Type.Object({
  /** true: an entry is on disk (fdatasync) before the act it records is answered; false: written, not synced. */
  fsync: Type.Boolean({ default: true, description: 'true or false: sync each batch of audit entries to disk (default true)' }),
  /** Polls of one room by one user closer than this are one view in the log. */
  viewGapSeconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 300, description: 'seconds between polls of a room that still count as one view (1–86400, default 300)' })
}, { additionalProperties: false, default: {}, description: 'the audit log: { fsync, viewGapSeconds }' })
export type AuditConfig = Static<typeof AuditConfig>

/** The section with its defaults filled in (for code and tests that build it without a file). */
export function auditConfig (partial: Partial<AuditConfig> = {}): AuditConfig {
  const value = Value.Default(AuditConfig, structuredClone(partial)) as AuditConfig
  const errors = [...Value.Errors(AuditConfig, value)].map((e) => `audit${e.path.replaceAll('/', '.')}: ${e.message}`)
  if (errors.length > 0) throw new TypeError(`invalid audit config:\n${errors.join('\n')}`)
  return value
}
