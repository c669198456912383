// The rooms API: GET /api/rooms (the rooms the user may see), GET /api/rooms/:room (404 for a room
// that is not configured, 403 for one the user may not see) and PUT /api/rooms/:room/schedule (it
// only: publishes the room's retained `schedule`, which the gateway follows). Each user sees a room
// through roomView(): staff only online state and readiness. Devices' last readings (patient data)
// are in the one-room answer only, which is audited; the list has none.
import type { FastifyPluginAsync } from 'fastify'
import type {} from '@fastify/swagger' // the summary, tags and security of route schemas
import { Type, type Static } from '@sinclair/typebox'
import { ScheduleMessage } from '../../protocol/messages.js'
import { canSeeRoom, canSeeReadings, type HubUser } from '../auth/users.js'
import type { FleetState } from '../fleet-state.js'
import { roomView, RoomView } from '../room-view.js'
import { ErrorResponse, HttpError } from './errors.js'

export interface ViewAudit {
  user: string
  role: string
  room: string
  /** room: a GET of the room; live: a /ws subscription with live readings began; live-end: it ended. */
  what: 'room' | 'live' | 'live-end'
}

export interface RoomRoutesOptions {
  fleet: FleetState
  /** Publishes a room's schedule (retained) to its gateway. */
  publishSchedule: (room: string, schedule: ScheduleMessage) => Promise<void>
  /** Called when a user who may see readings looks at a room (DESIGN.md: every live view audited). */
  audit?: (entry: ViewAudit) => void
}

const RoomParams = Type.Object({ room: Type.String({ minLength: 1, maxLength: 64, description: 'the room slug, e.g. rodoy-1' }) })
type RoomParams = Static<typeof RoomParams>
const errors = { 401: ErrorResponse, 403: ErrorResponse }
const security = [{ bearer: [] }]

export const roomRoutes: FastifyPluginAsync<RoomRoutesOptions> = async (app, opts) => {
  if (opts.fleet === undefined || typeof opts.publishSchedule !== 'function') throw new TypeError('roomRoutes needs fleet and publishSchedule')
  const { fleet, publishSchedule, audit } = opts

  const visibleRoom = (user: HubUser, room: string): NonNullable<ReturnType<FleetState['get']>> => {
    const state = fleet.get(room)
    if (state === undefined) throw new HttpError(404, 'not_found', `room "${room}" is not configured at this hub`)
    if (!canSeeRoom(user, room)) throw new HttpError(403, 'forbidden', `${user.name} may not see room "${room}"`)
    return state
  }

  app.get('/api/rooms', {
    config: { roles: ['it', 'specialist', 'staff'] },
    schema: {
      summary: 'The rooms the caller may see, with their current state (no readings: those are in GET /api/rooms/:room, audited)',
      tags: ['rooms'],
      security,
      response: { 200: Type.Object({ rooms: Type.Array(RoomView) }), ...errors }
    }
  }, async (request) => {
    const user = request.user as HubUser
    return { rooms: fleet.list().filter((r) => canSeeRoom(user, r.room)).map((r) => roomView(r, user)) }
  })

  app.get<{ Params: RoomParams }>('/api/rooms/:room', {
    config: { roles: ['it', 'specialist', 'staff'] },
    schema: {
      summary: 'One room\'s current state',
      tags: ['rooms'],
      security,
      params: RoomParams,
      response: { 200: RoomView, 404: ErrorResponse, ...errors }
    }
  }, async (request) => {
    const user = request.user as HubUser
    const state = visibleRoom(user, request.params.room)
    if (canSeeReadings(user, state.room)) audit?.({ user: user.name, role: user.role, room: state.room, what: 'room' })
    return roomView(state, user, { lastReading: true })
  })

  app.put<{ Params: RoomParams, Body: ScheduleMessage }>('/api/rooms/:room/schedule', {
    config: { roles: ['it'] },
    schema: {
      summary: 'Replace a room\'s upcoming consultations (published retained to its gateway)',
      tags: ['rooms'],
      security,
      params: RoomParams,
      body: ScheduleMessage,
      response: { 200: Type.Object({ room: Type.String(), schedule: ScheduleMessage }), 400: ErrorResponse, 404: ErrorResponse, 413: ErrorResponse, ...errors }
    }
  }, async (request) => {
    const user = request.user as HubUser
    const state = visibleRoom(user, request.params.room)
    const schedule = [...request.body].sort((a, b) => a.start - b.start)
    await publishSchedule(state.room, schedule)
    return { room: state.room, schedule }
  })
}
