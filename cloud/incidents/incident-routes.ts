// The incidents API: GET /api/incidents (it: every room; specialist: their rooms — to know IT is on
// it), GET /api/incidents/:id, and POST /api/incidents/:id/ack (it only; written to the audit log
// before it is answered). Unknown incident → 404; one already acknowledged or resolved → 409.
import type { FastifyPluginAsync } from 'fastify'
import type {} from '@fastify/swagger' // the summary, tags and security of route schemas
import { Type, type Static } from '@sinclair/typebox'
import { canSeeRoom, type HubUser } from '../auth/users.js'
import { ErrorResponse, HttpError } from '../http/errors.js'
import type { IncidentEngine } from './engine.js'
import { Incident, IncidentState, Severity } from './incident.js'
import { IncidentError } from './lifecycle.js'

export interface IncidentRoutesOptions {
  engine: Pick<IncidentEngine, 'list' | 'get' | 'acknowledge'>
}

const IncidentParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9-]+$', description: 'the incident id' }) })
type IncidentParams = Static<typeof IncidentParams>

const IncidentQuery = Type.Object({
  state: Type.Optional(Type.Union([IncidentState, Type.Literal('active')], { description: 'open, acknowledged, resolved, or active (open or acknowledged)' })),
  room: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'only this room' })),
  severity: Type.Optional(Severity),
  since: Type.Optional(Type.Integer({ minimum: 0, description: 'only incidents changed at or after this time (ms since epoch)' })),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'at most this many, most recently opened first (1–1000)' })
}, { additionalProperties: false })
type IncidentQuery = Static<typeof IncidentQuery>

const AckBody = Type.Union([
  Type.Object({ note: Type.Optional(Type.String({ maxLength: 500, description: 'what IT is doing about it (kept in the history and the audit log)' })) }, { additionalProperties: false }),
  Type.Null()
])
type AckBody = Static<typeof AckBody>

const security = [{ bearer: [] }]
const errors = { 401: ErrorResponse, 403: ErrorResponse }

export const incidentRoutes: FastifyPluginAsync<IncidentRoutesOptions> = async (app, opts) => {
  if (opts.engine === undefined) throw new TypeError('incidentRoutes needs engine (an IncidentEngine)')
  const { engine } = opts

  const visible = (user: HubUser, id: string): Incident => {
    const incident = engine.get(id)
    if (incident === undefined) throw new HttpError(404, 'not_found', `no incident "${id}"`)
    if (!canSeeRoom(user, incident.room)) throw new HttpError(403, 'forbidden', `${user.name} may not see room "${incident.room}"`)
    return incident
  }

  app.get<{ Querystring: IncidentQuery }>('/api/incidents', {
    config: { roles: ['it', 'specialist'] },
    schema: {
      summary: 'Incidents, most recently opened first (specialists: their rooms only)',
      tags: ['incidents'],
      security,
      querystring: IncidentQuery,
      response: { 200: Type.Object({ incidents: Type.Array(Incident) }), 400: ErrorResponse, ...errors }
    }
  }, async (request) => {
    const user = request.user as HubUser
    const q = request.query
    if (q.room !== undefined && !canSeeRoom(user, q.room)) throw new HttpError(403, 'forbidden', `${user.name} may not see room "${q.room}"`)
    return {
      incidents: engine.list({
        rooms: user.rooms,
        limit: q.limit,
        ...(q.state !== undefined ? { state: q.state } : {}),
        ...(q.room !== undefined ? { room: q.room } : {}),
        ...(q.severity !== undefined ? { severity: q.severity } : {}),
        ...(q.since !== undefined ? { since: q.since } : {})
      })
    }
  })

  app.get<{ Params: IncidentParams }>('/api/incidents/:id', {
    config: { roles: ['it', 'specialist'] },
    schema: {
      summary: 'One incident with its history',
      tags: ['incidents'],
      security,
      params: IncidentParams,
      response: { 200: Incident, 404: ErrorResponse, ...errors }
    }
  }, async (request) => visible(request.user as HubUser, request.params.id))

  app.post<{ Params: IncidentParams, Body: AckBody }>('/api/incidents/:id/ack', {
    config: { roles: ['it'] },
    schema: {
      summary: 'Acknowledge an incident: IT is on it (reminders stop; it still resolves by itself when the cause clears)',
      tags: ['incidents'],
      security,
      params: IncidentParams,
      body: AckBody,
      response: { 200: Incident, 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, ...errors }
    }
  }, async (request) => {
    const user = request.user as HubUser
    visible(user, request.params.id)
    try {
      return await engine.acknowledge(request.params.id, { name: user.name, role: user.role }, request.body?.note)
    } catch (err) {
      if (err instanceof IncidentError) throw new HttpError(err.code === 'not_found' ? 404 : 409, err.code, err.message)
      throw err
    }
  })
}
