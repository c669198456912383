// The `notify` list of the hub config: where incident notifications go. Each entry is a generic JSON
// webhook or a Microsoft Teams webhook, optionally limited to some rooms, a minimum severity and some
// events. `{ kind, url }` alone (what the hub core accepts today) stays valid. cloud/config.ts uses
// `notify: Type.Array(NotifyTarget, …)` in place of its NotifyConfig.
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { SLUG_PATTERN } from '../../protocol/topics.js'

export const NOTIFY_EVENTS = ['opened', 'reopened', 'escalated', 'reminder', 'overdue', 'acknowledged', 'resolved'] as const

export const NotifyTarget = Type.Object({
  kind: Type.Union([Type.Literal('webhook'), Type.Literal('teams')], { description: '"webhook" (generic JSON) or "teams" (a Teams channel webhook)' }),
  url: Type.String({ pattern: '^https?://\\S+$', description: 'an http(s) URL' }),
  /** For logs, metrics and the audit log; default: kind and position, e.g. teams-1. */
  name: Type.Optional(Type.String({ pattern: '^[a-zA-Z0-9_.-]{1,60}$', description: 'a short name for logs (letters, digits, _ . -)' })),
  rooms: Type.Optional(Type.Array(Type.String({ pattern: `(${SLUG_PATTERN})|^\\*$` }), { minItems: 1, description: 'only incidents of these rooms (default: every room)' })),
  minSeverity: Type.Optional(Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')], { description: 'only incidents at least this severe (default info)' })),
  events: Type.Optional(Type.Array(Type.Union(NOTIFY_EVENTS.map((e) => Type.Literal(e))), { minItems: 1, description: `which events (default all: ${NOTIFY_EVENTS.join(', ')})` })),
  /** teams: an Adaptive Card (Teams Workflows webhooks; the default) or a legacy connector MessageCard. */
  format: Type.Optional(Type.Union([Type.Literal('adaptive'), Type.Literal('messagecard')], { description: 'teams only: "adaptive" (default) or "messagecard"' })),
  /** webhook: signs each body, header x-helserom-signature: sha256=<hex of HMAC-SHA256(secret, body)>. */
  secret: Type.Optional(Type.String({ minLength: 16, description: 'webhook only: a shared secret for signing bodies (use ${VAR})' })),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 120_000, description: 'ms before one attempt counts as failed (default 10000)' })),
  maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, description: 'attempts before a notification is given up (default 8)' }))
}, { additionalProperties: false, description: 'a notification target: { kind, url, rooms, minSeverity, events }' })
export type NotifyTarget = Static<typeof NotifyTarget>

export const NotifyTargets = Type.Array(NotifyTarget, { default: [], description: 'a list of notification targets' })

/** Targets with defaults checked (for code and tests that build them without a file). */
export function notifyTargets (targets: unknown[] = []): NotifyTarget[] {
  const value = Value.Default(NotifyTargets, structuredClone(targets)) as NotifyTarget[]
  const errors = [...Value.Errors(NotifyTargets, value)].map((e) => `notify${e.path.replaceAll('/', '.')}: ${e.message}`)
  value.forEach((t, i) => {
    if (t.kind !== 'teams' && t.format !== undefined) errors.push(`notify.${i}.format: format belongs to kind teams`)
    if (t.kind !== 'webhook' && t.secret !== undefined) errors.push(`notify.${i}.secret: secret belongs to kind webhook`)
  })
  if (errors.length > 0) throw new TypeError(`invalid notify config:\n${errors.join('\n')}`)
  return value
}

/** The name a target goes by: its own, or kind-N (1-based position). */
export function targetName (t: NotifyTarget, index: number): string {
  return t.name ?? `${t.kind}-${index + 1}`
}
