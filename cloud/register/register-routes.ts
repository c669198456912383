// The equipment register over HTTP:
//   GET   /api/register?room=&item=                      it: every item, merged view (register-view.ts)
//   GET   /api/register.csv?room=&separator=              it: the same as CSV, for procurement and audits
//   GET   /api/parties                                    it: the support parties (notification URLs by name only)
//   PATCH /api/register/:room/devices/:device             it: edit a device's entry
//   PATCH /api/register/:room/network | /box              it: edit the network's or the box's entry
//   GET   /api/rooms/:room/support                        it, staff, specialist (their rooms): whom to call
// A PATCH body holds the fields to change; null removes IT's override (back to the config's
// value); `expect: { serial, firmware }` announces a change so it is recorded as expected. Every
// edit is audited before it takes effect (503 when the audit log cannot take it); unknown party
// ids, bad dates, a calibration after today or bad service hours → 400; an unknown room → 404.
import type { FastifyPluginAsync } from 'fastify'
import type {} from '@fastify/swagger' // the summary, tags and security of route schemas
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { LocalizedText, SupportMessage } from '../../protocol/messages.js'
import { SLUG_PATTERN } from '../../protocol/topics.js'
import { canSeeRoom } from '../auth/users.js'
import type { FleetState } from '../fleet-state.js'
import { ErrorResponse, HttpError } from '../http/errors.js'
import { OpeningHours } from '../incidents/config.js'
import { currentOrNext } from '../incidents/rules.js'
import { EntryFieldSchemas, PartyKind } from './config.js'
import { registerCsv } from './csv.js'
import { RegisterError, type EquipmentRegister } from './equipment-register.js'
import type { ItemKind } from './entry.js'
import { entryView, RegisterEntryView } from './register-view.js'

export interface RegisterRoutesOptions {
  register: EquipmentRegister
  fleet: FleetState
  /** The room's current `support` message (RegisterFeatures.supportMessage). */
  support: (room: string) => SupportMessage
  timezone: string
  clock?: () => number
}

const Room = Type.String({ pattern: SLUG_PATTERN, description: 'the room slug, e.g. rodoy-1' })
const ItemParams = Type.Object({ room: Room, item: Type.Union([Type.Literal('network'), Type.Literal('box')], { description: 'network or box' }) })
const DeviceParams = Type.Object({ room: Room, device: Type.String({ pattern: SLUG_PATTERN, description: 'the device id, e.g. spo2-1' }) })
const RoomParams = Type.Object({ room: Room })
type ItemParams = Static<typeof ItemParams>
type DeviceParams = Static<typeof DeviceParams>
type RoomParams = Static<typeof RoomParams>

const ListQuery = Type.Object({
  room: Type.Optional(Room),
  item: Type.Optional(Type.Union([Type.Literal('device'), Type.Literal('network'), Type.Literal('box')]))
}, { additionalProperties: false })
type ListQuery = Static<typeof ListQuery>
const CsvQuery = Type.Object({
  room: Type.Optional(Room),
  separator: Type.Union([Type.Literal('comma'), Type.Literal('semicolon')], { default: 'comma', description: 'comma (RFC 4180), or semicolon for a Norwegian Excel' })
}, { additionalProperties: false })
type CsvQuery = Static<typeof CsvQuery>

const orNull = (s: TSchema): TSchema => Type.Optional(Type.Union([s, Type.Null()]))
const f = EntryFieldSchemas
export const EditBody = Type.Object({
  name: orNull(f.name),
  vendor: orNull(f.vendor),
  model: orNull(f.model),
  serial: orNull(f.serial),
  owner: orNull(f.owner),
  maintainer: orNull(f.maintainer),
  support: orNull(f.support),
  serviceHours: orNull(f.serviceHours),
  responseMinutes: orNull(f.responseMinutes),
  purchased: orNull(f.purchased),
  calibration: orNull(Type.Object({
    intervalDays: Type.Optional(f.calibration.properties.intervalDays),
    last: Type.Optional(f.calibration.properties.last)
  }, { additionalProperties: false, description: '{ intervalDays, last } — give only last to record a calibration done' })),
  notes: orNull(f.notes),
  expect: orNull(Type.Object({
    serial: orNull(Type.String({ minLength: 1, maxLength: 200 })),
    firmware: orNull(Type.String({ minLength: 1, maxLength: 200 }))
  }, { additionalProperties: false, description: 'the serial number or firmware a device is about to report (a planned swap or update)' }))
}, { additionalProperties: false, description: 'the fields to change; null removes IT\'s override' })

const PartyView = Type.Object({
  id: Type.String(),
  kind: PartyKind,
  name: LocalizedText,
  phone: Type.Union([Type.String(), Type.Null()]),
  email: Type.Union([Type.String(), Type.Null()]),
  notify: Type.Array(Type.String(), { description: 'the names of its notification targets (URLs are secrets)' }),
  serviceHours: Type.Union([OpeningHours, Type.Null()]),
  responseMinutes: Type.Union([Type.Integer(), Type.Null()]),
  escalateTo: Type.Union([Type.String(), Type.Null()])
})

const security = [{ bearer: [] }]
const errors = { 401: ErrorResponse, 403: ErrorResponse }
const tags = ['register']

export const registerRoutes: FastifyPluginAsync<RegisterRoutesOptions> = async (app, opts) => {
  if (opts.register === undefined || opts.fleet === undefined || typeof opts.support !== 'function') throw new TypeError('registerRoutes needs register, fleet and support')
  const { register, fleet } = opts
  const clock = opts.clock ?? Date.now

  const views = (room?: string, item?: ItemKind): RegisterEntryView[] => {
    if (room !== undefined && !register.hasRoom(room)) throw new HttpError(404, 'not_found', `room "${room}" is not configured at this hub`)
    const now = clock()
    return register.list(room)
      .filter((e) => item === undefined || e.item === item)
      .map((e) => {
        const state = fleet.get(e.room)
        return entryView(e, register, now, state !== undefined ? currentOrNext(state, now) : null, opts.timezone)
      })
  }

  app.get<{ Querystring: ListQuery }>('/api/register', {
    config: { roles: ['it'] },
    schema: {
      summary: 'The equipment register: every device, network and gateway box, with owner, maintainer, support and calibration',
      tags,
      security,
      querystring: ListQuery,
      response: { 200: Type.Object({ entries: Type.Array(RegisterEntryView) }), 404: ErrorResponse, ...errors }
    }
  }, async (request) => ({ entries: views(request.query.room, request.query.item) }))

  app.get<{ Querystring: CsvQuery }>('/api/register.csv', {
    config: { roles: ['it'] },
    schema: {
      summary: 'The equipment register as CSV (UTF-8 with BOM), for procurement and audits',
      tags,
      security,
      querystring: CsvQuery,
      produces: ['text/csv'],
      response: { 200: Type.String({ description: 'CSV, one row per item' }), 404: ErrorResponse, ...errors }
    }
  }, async (request, reply) => {
    const csv = registerCsv(views(request.query.room), request.query.separator)
    const day = new Date(clock()).toISOString().slice(0, 10)
    return await reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="helserom-register-${request.query.room ?? 'all'}-${day}.csv"`)
      .send(csv)
  })

  app.get('/api/parties', {
    config: { roles: ['it'] },
    schema: { summary: 'The support parties of the hub config', tags, security, response: { 200: Type.Object({ parties: Type.Array(PartyView) }), ...errors } }
  }, async () => ({
    parties: register.parties.list().map((p) => ({
      id: p.id,
      kind: p.kind,
      name: p.name,
      phone: p.phone ?? null,
      email: p.email ?? null,
      notify: register.parties.targets(p.id).map((t) => t.name ?? t.kind),
      serviceHours: p.serviceHours ?? null,
      responseMinutes: p.responseMinutes ?? null,
      escalateTo: p.escalateTo ?? null
    }))
  }))

  const edit = async (room: string, item: ItemKind, id: string, body: Record<string, unknown> | null, user: { name: string, role: string }): Promise<RegisterEntryView> => {
    const patch = body ?? {}
    // unknown fields were stripped by validation: a body left empty was all typos
    if (Object.keys(patch).length === 0) throw new HttpError(400, 'bad_request', `nothing to change; fields: ${Object.keys(EditBody.properties).join(', ')}`)
    try {
      const entry = await register.edit(room, item, id, patch, user)
      const state = fleet.get(room)
      const now = clock()
      return entryView(entry, register, now, state !== undefined ? currentOrNext(state, now) : null, opts.timezone)
    } catch (err) {
      if (err instanceof RegisterError) throw new HttpError(err.code === 'not_found' ? 404 : err.code === 'unavailable' ? 503 : 400, err.code, err.message)
      throw err
    }
  }
  const editSchema = (summary: string, params: TSchema): Record<string, unknown> => ({
    summary,
    tags,
    security,
    params,
    body: EditBody,
    response: { 200: RegisterEntryView, 400: ErrorResponse, 404: ErrorResponse, 503: ErrorResponse, ...errors }
  })

  app.patch<{ Params: DeviceParams, Body: Record<string, unknown> | null }>('/api/register/:room/devices/:device', {
    config: { roles: ['it'] },
    schema: editSchema('Edit a device\'s register entry (audited)', DeviceParams)
  }, async (request) => await edit(request.params.room, 'device', request.params.device, request.body, request.user!))

  app.patch<{ Params: ItemParams, Body: Record<string, unknown> | null }>('/api/register/:room/:item', {
    config: { roles: ['it'] },
    schema: editSchema('Edit the register entry of the room\'s network or gateway box (audited)', ItemParams)
  }, async (request) => await edit(request.params.room, request.params.item, request.params.item, request.body, request.user!))

  app.get<{ Params: RoomParams }>('/api/rooms/:room/support', {
    config: { roles: ['it', 'staff', 'specialist'] },
    schema: {
      summary: 'Whom staff call about what in the room, calibration due, and whether the specialist is there (no personal data)',
      tags,
      security,
      params: RoomParams,
      response: { 200: SupportMessage, 404: ErrorResponse, ...errors }
    }
  }, async (request) => {
    const room = request.params.room
    if (!fleet.has(room)) throw new HttpError(404, 'not_found', `room "${room}" is not configured at this hub`)
    if (!canSeeRoom(request.user!, room)) throw new HttpError(403, 'forbidden', `${request.user!.name} may not see room "${room}"`)
    return opts.support(room)
  })
}
