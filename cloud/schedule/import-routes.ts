// POST /api/rooms/:room/schedule/import (it only): a room's schedule from an iCalendar file — given
// as a URL to fetch ({ url }), as JSON text ({ ics }), or as the request body itself
// (Content-Type: text/calendar, e.g. `curl --data-binary @room.ics`). The result is published like
// PUT /api/rooms/:room/schedule (retained `schedule`), and answered with what was imported and what
// was skipped and why. `dryRun` only shows it. An import that finds no consultation does not clear
// the room's schedule unless `allowEmpty` says so: a calendar link that broke must not silently
// empty a room's day. Every import is in the audit log (the URL's host only — calendar links often
// carry a secret).
import type { FastifyPluginAsync } from 'fastify'
import type {} from '@fastify/swagger' // the summary, tags and security of route schemas
import { Type, type Static } from '@sinclair/typebox'
import { Counter, type Registry } from 'prom-client'
import { ScheduleMessage } from '../../protocol/messages.js'
import type { AuditInput } from '../audit/audit-log.js'
import type { HubUser } from '../auth/users.js'
import type { FleetState } from '../fleet-state.js'
import { ErrorResponse, HttpError } from '../http/errors.js'
import { ProfileName, type ScheduleImportConfig } from './config.js'
import { CalendarFetchError, fetchCalendar } from './fetch-calendar.js'
import { IcsError, scheduleFromIcs } from './ics-schedule.js'

export interface ScheduleImportRoutesOptions {
  fleet: Pick<FleetState, 'has'>
  publishSchedule: (room: string, schedule: ScheduleMessage) => Promise<void>
  config: ScheduleImportConfig
  audit?: { record: (input: AuditInput) => unknown }
  registry?: Registry
  clock?: () => number
}

const RoomParams = Type.Object({ room: Type.String({ minLength: 1, maxLength: 64, description: 'the room slug, e.g. rodoy-1' }) })
type RoomParams = Static<typeof RoomParams>

const Options = {
  defaultProfile: Type.Optional(ProfileName),
  dryRun: Type.Optional(Type.Boolean({ description: 'only show what would be imported' })),
  allowEmpty: Type.Optional(Type.Boolean({ description: 'publish an empty schedule when nothing is found (default false)' }))
}

const ImportBody = Type.Object({
  url: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'an http(s) or webcal URL of an .ics calendar' })),
  ics: Type.Optional(Type.String({ minLength: 1, description: 'the .ics text itself' })),
  profiles: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 100 }), ProfileName, { description: 'extra category/keyword → profile mapping for this import' })),
  ...Options
}, { additionalProperties: false, description: 'exactly one of url and ics' })
type ImportBody = Static<typeof ImportBody>

const ImportQuery = Type.Object(Options, { additionalProperties: false })
type ImportQuery = Static<typeof ImportQuery>

const ImportResponse = Type.Object({
  room: Type.String(),
  source: Type.Union([Type.Literal('url'), Type.Literal('body')]),
  published: Type.Boolean({ description: 'false for a dry run' }),
  schedule: ScheduleMessage,
  skipped: Type.Array(Type.Object({ event: Type.String(), start: Type.Union([Type.Integer(), Type.Null()]), reason: Type.String() })),
  warnings: Type.Array(Type.String()),
  events: Type.Integer({ description: 'VEVENTs in the calendar' })
})

export const scheduleImportRoutes: FastifyPluginAsync<ScheduleImportRoutesOptions> = async (app, opts) => {
  if (opts.fleet === undefined || typeof opts.publishSchedule !== 'function' || opts.config === undefined) {
    throw new TypeError('scheduleImportRoutes needs fleet, publishSchedule and config')
  }
  const { fleet, publishSchedule, config, audit } = opts
  const clock = opts.clock ?? Date.now
  const imports = opts.registry !== undefined
    ? (opts.registry.getSingleMetric('helserom_hub_schedule_imports_total') as Counter<'source' | 'outcome'> | undefined) ?? new Counter({
        name: 'helserom_hub_schedule_imports_total',
        help: 'schedule imports from iCalendar, by source (url, body) and outcome (published, dry-run, refused, failed)',
        labelNames: ['source', 'outcome'] as const,
        registers: [opts.registry]
      })
    : undefined

  // encapsulated in this plugin: the raw .ics body is only accepted on this route
  app.addContentTypeParser('text/calendar', { parseAs: 'string' }, (_request, body, done) => { done(null, body) })

  app.post<{ Params: RoomParams, Body: ImportBody | string, Querystring: ImportQuery }>('/api/rooms/:room/schedule/import', {
    bodyLimit: config.maxBytes + 64 * 1024, // the calendar plus its JSON wrapping
    config: { roles: ['it'] },
    schema: {
      summary: 'Replace a room\'s upcoming consultations from an iCalendar (.ics) URL or file',
      description: 'JSON { url } or { ics }, or the .ics file itself as Content-Type: text/calendar (options then in the query string).',
      tags: ['rooms'],
      security: [{ bearer: [] }],
      params: RoomParams,
      querystring: ImportQuery,
      body: { content: { 'application/json': { schema: ImportBody }, 'text/calendar': { schema: Type.String({ minLength: 1 }) } } },
      response: { 200: ImportResponse, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 413: ErrorResponse, 502: ErrorResponse, 504: ErrorResponse }
    }
  }, async (request) => {
    const user = request.user as HubUser
    const room = request.params.room
    if (!fleet.has(room)) throw new HttpError(404, 'not_found', `room "${room}" is not configured at this hub`)
    const raw = request.body
    const body: ImportBody = typeof raw === 'string' ? { ics: raw } : raw ?? {}
    const source = body.url !== undefined ? 'url' : 'body'
    const options = { ...request.query, ...pick(body) }
    const record = (result: string, detail: Record<string, unknown>): void => {
      imports?.inc({ source, outcome: result })
      audit?.record({ actor: user.name, role: user.role, action: 'schedule.import', room, detail: { source, ...detail }, result })
    }
    if ((body.url === undefined) === (body.ics === undefined)) throw new HttpError(400, 'bad_request', 'give exactly one of url (a calendar to fetch) and ics (the calendar\'s text)')

    let text: string
    if (body.url !== undefined) {
      try {
        text = await fetchCalendar(body.url, { timeoutMs: config.timeoutMs, maxBytes: config.maxBytes, ...(config.allowHosts !== undefined ? { allowHosts: config.allowHosts } : {}) })
      } catch (err) {
        if (!(err instanceof CalendarFetchError)) throw err
        record('failed', { host: hostOf(body.url), error: err.kind })
        throw fetchError(err)
      }
    } else {
      text = body.ics!
      if (Buffer.byteLength(text) > config.maxBytes) throw new HttpError(413, 'payload_too_large', `the calendar is larger than ${config.maxBytes} bytes`)
    }

    let result
    try {
      result = scheduleFromIcs(text, {
        now: clock(),
        horizonDays: config.horizonDays,
        timezone: config.timezone,
        profiles: { ...config.profiles, ...(body.profiles ?? {}) },
        ...((options.defaultProfile ?? config.defaultProfile) !== undefined ? { defaultProfile: options.defaultProfile ?? config.defaultProfile } : {}),
        includeTitle: config.includeTitle,
        defaultMinutes: config.defaultMinutes
      })
    } catch (err) {
      if (!(err instanceof IcsError)) throw err
      record('refused', { ...(source === 'url' ? { host: hostOf(body.url!) } : {}), error: 'not-icalendar' })
      throw new HttpError(400, 'bad_request', `the calendar cannot be read: ${err.message}`)
    }

    const summary = { ...(source === 'url' ? { host: hostOf(body.url!) } : {}), imported: result.schedule.length, skipped: result.skipped.length }
    if (result.schedule.length === 0 && options.allowEmpty !== true && options.dryRun !== true) {
      record('refused', { ...summary, error: 'empty' })
      throw new HttpError(400, 'bad_request', `the calendar has no upcoming consultations to import (${result.events} events, ${result.skipped.length} skipped); the room's schedule was left as it was — pass allowEmpty: true to clear it`)
    }
    const dryRun = options.dryRun === true
    if (!dryRun) await publishSchedule(room, result.schedule)
    record(dryRun ? 'dry-run' : 'published', summary)
    return { room, source, published: !dryRun, schedule: result.schedule, skipped: result.skipped.slice(0, 500), warnings: result.warnings.slice(0, 100), events: result.events }
  })
}

function pick (body: ImportBody): { defaultProfile?: string, dryRun?: boolean, allowEmpty?: boolean } {
  return {
    ...(body.defaultProfile !== undefined ? { defaultProfile: body.defaultProfile } : {}),
    ...(body.dryRun !== undefined ? { dryRun: body.dryRun } : {}),
    ...(body.allowEmpty !== undefined ? { allowEmpty: body.allowEmpty } : {})
  }
}

function hostOf (url: string): string {
  try { return new URL(url.replace(/^webcals?:\/\//i, 'https://')).host } catch { return '(not a URL)' }
}

function fetchError (err: CalendarFetchError): HttpError {
  switch (err.kind) {
    case 'url':
    case 'forbidden-host':
      return new HttpError(400, 'bad_request', err.message)
    case 'too-large':
      return new HttpError(413, 'payload_too_large', err.message)
    case 'timeout':
      return new HttpError(504, 'gateway_timeout', err.message)
    default:
      return new HttpError(502, 'bad_gateway', err.message)
  }
}
