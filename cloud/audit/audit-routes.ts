// GET /api/audit (it only): the audit log, newest first, filtered by room, actor, action and time,
// paged with the `next` cursor. Reading the audit log is not itself audited: only IT can, and the
// log is about patient data and acts on the fleet, not about reading the log.
import type { FastifyPluginAsync } from 'fastify'
import type {} from '@fastify/swagger' // the summary, tags and security of route schemas
import { Type, type Static } from '@sinclair/typebox'
import { SLUG_PATTERN } from '../../protocol/topics.js'
import { ErrorResponse } from '../http/errors.js'
import { ACTION_PATTERN, MAX_PAGE, type AuditLog } from './audit-log.js'

export interface AuditRoutesOptions {
  audit: AuditLog
}

const Ms = Type.Integer({ minimum: 0, description: 'ms since epoch, UTC' })

export const AuditEntryView = Type.Object({
  seq: Type.Integer({ description: 'position in the log; grows with every entry' }),
  ts: Ms,
  actor: Type.String({ description: 'a user name, or hub' }),
  role: Type.String({ description: 'it, specialist, staff, or system' }),
  action: Type.String({ description: 'view.start, view.end, device.command, incident.ack, incident.open, notify.sent …' }),
  room: Type.Optional(Type.String()),
  device: Type.Optional(Type.String()),
  detail: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  result: Type.Optional(Type.String())
}, { description: 'one audit log entry' })

const AuditQuerystring = Type.Object({
  room: Type.Optional(Type.String({ pattern: SLUG_PATTERN, description: 'only this room' })),
  actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'only this user (hub: the hub itself)' })),
  action: Type.Optional(Type.String({ maxLength: 80, pattern: `(${ACTION_PATTERN})|^[a-z][a-z0-9_.-]*\\.$`, description: 'an action (incident.ack) or a prefix ending in "." (view.)' })),
  from: Type.Optional(Type.Integer({ minimum: 0, description: 'from this time (ms since epoch)' })),
  to: Type.Optional(Type.Integer({ minimum: 0, description: 'up to this time (ms since epoch)' })),
  before: Type.Optional(Type.Integer({ minimum: 1, description: 'the `next` of the previous page' })),
  limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 100, description: `entries per page (1–${MAX_PAGE})` })
}, { additionalProperties: false })
type AuditQuerystring = Static<typeof AuditQuerystring>

export const auditRoutes: FastifyPluginAsync<AuditRoutesOptions> = async (app, opts) => {
  if (opts.audit === undefined) throw new TypeError('auditRoutes needs audit (an AuditLog)')
  const { audit } = opts

  app.get<{ Querystring: AuditQuerystring }>('/api/audit', {
    config: { roles: ['it'] },
    schema: {
      summary: 'The audit log: views of patient data, device commands, incident acknowledgements, notifications (newest first)',
      tags: ['audit'],
      security: [{ bearer: [] }],
      querystring: AuditQuerystring,
      response: {
        200: Type.Object({ entries: Type.Array(AuditEntryView), next: Type.Union([Type.Integer(), Type.Null()], { description: 'pass as before= for older entries' }) }),
        400: ErrorResponse,
        401: ErrorResponse,
        403: ErrorResponse
      }
    }
  }, async (request) => {
    const q = request.query
    return await audit.query({
      ...(q.room !== undefined ? { room: q.room } : {}),
      ...(q.actor !== undefined ? { actor: q.actor } : {}),
      ...(q.action !== undefined ? { action: q.action } : {}),
      ...(q.from !== undefined ? { from: q.from } : {}),
      ...(q.to !== undefined ? { to: q.to } : {}),
      ...(q.before !== undefined ? { before: q.before } : {}),
      limit: q.limit
    })
  })
}
