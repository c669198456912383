// POST /api/rooms/:room/schedule/import on a real hub: from a calendar URL (a local HTTP server),
// from JSON text, and from a raw text/calendar body; the schedule reaches the fleet through the
// retained topic; dry runs, the empty-calendar guard, and every kind of bad input answered with a
// clear JSON error while the room's schedule stays as it was. Imports are audited by host only.
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { AuditLog } from '../../cloud/audit/audit-log.js'
import type { FastifyInstance } from 'fastify'
import { Hub } from '../../cloud/hub.js'
import { buildHttpApp } from '../../cloud/http/app.js'
import type { ScheduleMessage } from '../../protocol/messages.js'
import { scheduleImportConfig } from '../../cloud/schedule/config.js'
import { scheduleImportRoutes } from '../../cloud/schedule/import-routes.js'
import { tempDir, testLogger, waitFor, type Teardown } from '../helpers/index.js'
import { testConfig, tokens } from './hub-fixtures.js'

const it = { authorization: `Bearer ${tokens.it}` }

function utc (at: number): string {
  return new Date(at).toISOString().replace(/[-:]|\.\d{3}/g, '')
}

/** A calendar of consultations at the given times from now (minutes), CRLF, with a folded line. */
function calendar (minutesFromNow: number[], categories = 'Ortopedi'): string {
  const now = Date.now()
  const events = minutesFromNow.map((m, i) => [
    'BEGIN:VEVENT',
    `UID:konsultasjon-${i}@sykehus.example`,
    'DTSTAMP:20261101T120000Z',
    `DTSTART:${utc(now + m * 60_000)}`,
    'DURATION:PT45M',
    `SUMMARY:Kontroll etter kneoperasjon for en pasient med et langt navn som bret`,
    ' tes over to linjer',
    `CATEGORIES:${categories}`,
    'END:VEVENT'
  ].join('\r\n'))
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//NO', ...events, 'END:VCALENDAR', ''].join('\r\n')
}

async function calendarServer (t: Teardown, routes: Record<string, (res: ServerResponse) => void>): Promise<string> {
  const server = createServer((req, res) => {
    const route = routes[(req.url ?? '').split('?')[0] ?? '']
    if (route === undefined) return res.writeHead(404).end('not here')
    route(res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => { server.closeAllConnections(); await new Promise((resolve) => server.close(resolve)) })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/**
 * A started hub (broker, fleet) and an API app of its parts with the import route on it. The app is
 * built apart from hub.app() so that the test holds both before and after the hub registers the
 * route itself.
 */
async function hubWithImport (t: Teardown, config: Record<string, unknown> = {}): Promise<{ hub: Hub, app: FastifyInstance, audit: AuditLog }> {
  const audit = new AuditLog({ dir: tempDir(t, 'helserom-audit-') })
  t.teardown(async () => await audit.close())
  const hub = new Hub(await testConfig(t), { logger: testLogger() })
  t.teardown(async () => await hub.stop())
  const publishSchedule = async (room: string, schedule: ScheduleMessage): Promise<void> => await hub.publishSchedule(room, schedule)
  const app = await buildHttpApp({ http: hub.config.http, users: hub.users, fleet: hub.fleet, ingest: hub.ingest, metrics: hub.metrics, log: testLogger(), health: () => hub.health(), publishSchedule })
  t.teardown(async () => await app.close())
  await app.register(scheduleImportRoutes, {
    fleet: hub.fleet,
    publishSchedule,
    config: scheduleImportConfig({ timeoutMs: 500, maxBytes: 16 * 1024, ...config }),
    audit,
    registry: hub.metrics.registry
  })
  await hub.start()
  return { hub, app, audit }
}

t.test('from a URL: published retained, so the fleet (and the gateway) get it', async (t) => {
  const base = await calendarServer(t, { '/rom/rodoy.ics': (res) => res.writeHead(200, { 'content-type': 'text/calendar' }).end(calendar([90, 30, -600])) })
  const { hub, app, audit } = await hubWithImport(t)
  const res = await app.inject({ method: 'POST', url: '/api/rooms/rodoy-1/schedule/import', headers: it, payload: { url: `${base}/rom/rodoy.ics?token=hemmelig-lenke` } })
  t.equal(res.statusCode, 200, res.body)
  const body = res.json()
  t.match(body, { room: 'rodoy-1', source: 'url', published: true, events: 3, warnings: [] })
  t.same(body.schedule.map((c: { id: string, minutes: number, profile: string }) => [c.id, c.minutes, c.profile]), [
    ['konsultasjon-1@sykehus.example', 45, 'ortopedi'],
    ['konsultasjon-0@sykehus.example', 45, 'ortopedi']
  ], 'sorted by start; profile from CATEGORIES')
  t.same(body.skipped.map((s: { reason: string }) => s.reason), ['already over'])
  await waitFor('the schedule in the fleet', () => hub.fleet.get('rodoy-1')?.schedule?.length === 2)
  t.notOk(hub.fleet.get('rodoy-1')!.schedule!.some((c) => 'title' in c), 'no titles (they name patients)')
  await audit.flush()
  const entries = (await audit.query({ action: 'schedule.import' })).entries
  t.match(entries, [{ actor: 'it-vakt', role: 'it', room: 'rodoy-1', result: 'published', detail: { source: 'url', imported: 2, skipped: 1 } }])
  t.notMatch(JSON.stringify(entries), /hemmelig|rom\/rodoy/, 'only the host is kept: calendar links carry secrets')
  t.equal(await hub.metrics.value('helserom_hub_schedule_imports_total', { outcome: 'published' }), 1)
})

t.test('from the body (text/calendar or JSON); dry runs; the empty-calendar guard', async (t) => {
  const { hub, app } = await hubWithImport(t)
  const dry = await app.inject({ method: 'POST', url: '/api/rooms/rodoy-1/schedule/import?dryRun=true', headers: { ...it, 'content-type': 'text/calendar' }, payload: calendar([60]) })
  t.equal(dry.statusCode, 200, dry.body)
  t.match(dry.json(), { source: 'body', published: false, schedule: [{ id: 'konsultasjon-0@sykehus.example' }] })
  const real = await app.inject({ method: 'POST', url: '/api/rooms/rodoy-1/schedule/import', headers: it, payload: { ics: calendar([60, 120], 'Kne'), profiles: { kne: 'ortopedi' } } })
  t.equal(real.statusCode, 200, real.body)
  t.same(real.json().schedule.map((c: { profile: string }) => c.profile), ['ortopedi', 'ortopedi'], 'profile from this import\'s mapping')
  await waitFor('the schedule in the fleet', () => hub.fleet.get('rodoy-1')?.schedule?.length === 2)

  const empty = await app.inject({ method: 'POST', url: '/api/rooms/rodoy-1/schedule/import', headers: it, payload: { ics: calendar([-600]) } })
  t.equal(empty.statusCode, 400)
  t.same(empty.json().error, { code: 'bad_request', message: 'the calendar has no upcoming consultations to import (1 events, 1 skipped); the room\'s schedule was left as it was — pass allowEmpty: true to clear it' })
  t.equal(hub.fleet.get('rodoy-1')!.schedule!.length, 2, 'unchanged')
  const cleared = await app.inject({ method: 'POST', url: '/api/rooms/rodoy-1/schedule/import', headers: it, payload: { ics: calendar([-600]), allowEmpty: true } })
  t.equal(cleared.statusCode, 200)
  await waitFor('the schedule cleared', () => hub.fleet.get('rodoy-1')?.schedule?.length === 0)
})

t.test('bad input: a clear JSON error each time, counted, and the schedule stays as it was', async (t) => {
  const big = 'X-FILLER:' + 'x'.repeat(70) + '\r\n'
  const base = await calendarServer(t, {
    '/missing.ics': (res) => res.writeHead(404).end(),
    '/login': (res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Logg inn</body></html>'),
    '/slow.ics': () => {}, // never answers
    '/huge.ics': (res) => { res.writeHead(200); for (let i = 0; i < 400; i++) res.write(big); res.end() }
  })
  const { hub, app, audit } = await hubWithImport(t)
  await app.inject({ method: 'POST', url: '/api/rooms/rodoy-1/schedule/import', headers: it, payload: { ics: calendar([60]) } })
  await waitFor('the schedule in the fleet', () => hub.fleet.get('rodoy-1')?.schedule?.length === 1)
  const before = await hub.metrics.value('helserom_hub_http_errors_total')

  const cases: Array<[string, { url?: string, headers?: Record<string, string>, payload?: unknown }, number, string, RegExp | string]> = [
    ['no token', { headers: {}, payload: { ics: calendar([60]) } }, 401, 'unauthorized', /bearer token/],
    ['staff', { headers: { authorization: `Bearer ${tokens.staff}` }, payload: { ics: calendar([60]) } }, 403, 'forbidden', 'the staff role may not use POST /api/rooms/:room/schedule/import'],
    ['unknown room', { url: '/api/rooms/bodo-9/schedule/import', payload: { ics: calendar([60]) } }, 404, 'not_found', 'room "bodo-9" is not configured at this hub'],
    ['neither url nor ics', { payload: {} }, 400, 'bad_request', 'give exactly one of url (a calendar to fetch) and ics (the calendar\'s text)'],
    ['both', { payload: { url: `${base}/x.ics`, ics: calendar([60]) } }, 400, 'bad_request', /exactly one/],
    ['not a calendar', { payload: { ics: 'hello' } }, 400, 'bad_request', 'the calendar cannot be read: line 1: expected ":" after HELLO'],
    ['an ftp URL', { payload: { url: 'ftp://files.example/x.ics' } }, 400, 'bad_request', 'only http(s) calendar URLs can be imported, not ftp:'],
    ['a 404 URL', { payload: { url: `${base}/missing.ics` } }, 502, 'bad_gateway', /answered HTTP 404$/],
    ['a login page', { payload: { url: `${base}/login` } }, 400, 'bad_request', /the calendar cannot be read: line 1: "<html><body>Logg inn/],
    ['a URL that never answers', { payload: { url: `${base}/slow.ics` } }, 504, 'gateway_timeout', /did not answer in time/],
    ['a calendar larger than maxBytes', { payload: { url: `${base}/huge.ics` } }, 413, 'payload_too_large', 'the calendar is larger than 16384 bytes'],
    ['a body larger than the route allows', { headers: { ...it, 'content-type': 'text/calendar' }, payload: big.repeat(1200) }, 413, 'payload_too_large', 'request body is too large'],
    ['a JSON body that is not JSON', { headers: { ...it, 'content-type': 'application/json' }, payload: '{"ics": ' }, 400, 'bad_request', /JSON/]
  ]
  for (const [what, c, status, code, message] of cases) {
    const res = await app.inject({ method: 'POST', url: c.url ?? '/api/rooms/rodoy-1/schedule/import', headers: c.headers ?? it, payload: c.payload as string })
    t.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 200)}`)
    t.equal(res.json().error.code, code, what)
    if (typeof message === 'string') t.equal(res.json().error.message, message, what)
    else t.match(res.json().error.message, message, what)
  }
  t.equal(await hub.metrics.value('helserom_hub_http_errors_total') - before, cases.length, 'every refusal is counted')
  t.equal(hub.fleet.get('rodoy-1')!.schedule!.length, 1, 'the schedule is as it was')
  await audit.flush()
  const failed = (await audit.query({ action: 'schedule.import' })).entries.filter((e) => e.result !== 'published').map((e) => e.detail?.error)
  t.same(failed.sort(), ['http', 'not-icalendar', 'not-icalendar', 'timeout', 'too-large', 'url'].sort(), 'failed imports are audited too')
  const health = await app.inject({ method: 'GET', url: '/healthz' })
  t.equal(health.statusCode, 200, 'the hub is fine')
})

t.test('allowHosts limits where calendars may come from', async (t) => {
  const { app } = await hubWithImport(t, { allowHosts: ['kalender.sykehus.example'] })
  const res = await app.inject({ method: 'POST', url: '/api/rooms/rodoy-1/schedule/import', headers: it, payload: { url: 'http://127.0.0.1:1/x.ics' } })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error.message, 'the host 127.0.0.1 is not in scheduleImport.allowHosts (kalender.sykehus.example)')
})

