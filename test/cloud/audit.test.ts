// The audit log on a real data folder: append-only daily files, sequence numbers that survive a
// restart, a torn last line cut off, filters and paging, views of patient data turned into
// "who, room, from–to", and GET /api/audit on a real hub (it only; bad queries refused).
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { AppendLog } from '../../cloud/audit/append-log.js'
import { AuditInputError, AuditLog, MAX_DETAIL_BYTES } from '../../cloud/audit/audit-log.js'
import { auditRoutes } from '../../cloud/audit/audit-routes.js'
import { ViewAudit } from '../../cloud/audit/view-audit.js'
import { Hub } from '../../cloud/hub.js'
import { buildHttpApp } from '../../cloud/http/app.js'
import { tempDir, testLogger } from '../helpers/index.js'
import { testConfig, tokens } from './hub-fixtures.js'

const DAY = 86_400_000
const T0 = Date.UTC(2026, 10, 24, 23, 50) // ten minutes before midnight UTC

t.test('append-only daily files; seq grows across days and restarts; filters and paging', async (t) => {
  const dir = tempDir(t)
  const clock = { now: T0 }
  const log = new AuditLog({ dir, clock: () => clock.now })
  const a = log.record({ actor: 'it-vakt', role: 'it', action: 'incident.ack', room: 'rodoy-1', detail: { incident: 'i-1' }, result: 'ok' })
  t.match(a, { seq: 1, ts: T0, actor: 'it-vakt', action: 'incident.ack', room: 'rodoy-1', result: 'ok' })
  log.record({ actor: 'spesialist-1', role: 'specialist', action: 'view.start', room: 'rodoy-1', detail: { kind: 'live' } })
  clock.now = T0 + 20 * 60_000 // past midnight: a new file
  log.record({ actor: 'it-vakt', role: 'it', action: 'device.command', room: 'donna-1', device: 'cam-1', detail: { name: 'ptz.gotoPreset' }, result: 'ok' })
  await log.close()
  t.same(readdirSync(dir).sort(), ['audit-2026-11-24.jsonl', 'audit-2026-11-25.jsonl'])

  const again = new AuditLog({ dir, clock: () => clock.now })
  t.teardown(async () => await again.close())
  t.equal(again.record({ actor: 'hub', role: 'system', action: 'incident.open', room: 'donna-1' }).seq, 4, 'seq continues after a restart')
  const all = await again.query()
  t.same(all.entries.map((e) => e.seq), [4, 3, 2, 1], 'newest first, across days')
  t.equal(all.next, null)
  t.same((await again.query({ room: 'rodoy-1' })).entries.map((e) => e.seq), [2, 1])
  t.same((await again.query({ actor: 'it-vakt' })).entries.map((e) => e.seq), [3, 1])
  t.same((await again.query({ action: 'incident.' })).entries.map((e) => e.action), ['incident.open', 'incident.ack'], 'a prefix ending in "."')
  t.same((await again.query({ action: 'incident' })).entries, [], 'otherwise exact')
  t.same((await again.query({ from: T0 + 10 * 60_000 })).entries.map((e) => e.seq), [4, 3])
  t.same((await again.query({ to: T0 })).entries.map((e) => e.seq), [2, 1])
  const page1 = await again.query({ limit: 3 })
  t.same([page1.entries.map((e) => e.seq), page1.next], [[4, 3, 2], 2])
  const page2 = await again.query({ limit: 3, before: page1.next! })
  t.same([page2.entries.map((e) => e.seq), page2.next], [[1], null])
  t.same((await again.query({ from: T0 + DAY * 3 })).entries, [], 'a range with no files')
})

t.test('what is refused or cut; write() waits for the disk; a torn last line is cut off', async (t) => {
  const dir = tempDir(t)
  const log = new AuditLog({ dir, clock: () => T0 })
  t.throws(() => log.record({ actor: '', role: 'it', action: 'x' }), AuditInputError)
  t.throws(() => log.record({ actor: 'a', role: 'it', action: 'Incident Ack' }), /action "Incident Ack" must be a dotted lowercase name/)
  t.throws(() => log.record({ actor: 'a', role: 'it', action: 'view.start', room: '../etc' }), /room must be a slug/)
  const big = log.record({ actor: 'a', role: 'it', action: 'device.command', detail: { args: 'x'.repeat(MAX_DETAIL_BYTES) } })
  t.match(big.detail, { cut: true }, 'a huge detail is replaced by a note')
  const durable = await log.write({ actor: 'a', role: 'it', action: 'incident.ack' })
  const file = join(dir, 'audit-2026-11-24.jsonl')
  t.match(readFileSync(file, 'utf8'), new RegExp(`"seq":${durable.seq},`), 'on disk when write() resolves')
  await log.close()
  t.throws(() => log.record({ actor: 'a', role: 'it', action: 'x' }), /closed/)

  appendFileSync(file, '{"seq":99,"ts":1,"actor":"half')
  const after = new AuditLog({ dir, clock: () => T0 })
  t.teardown(async () => await after.close())
  t.equal(after.record({ actor: 'b', role: 'it', action: 'incident.ack' }).seq, 3, 'the torn record does not count')
  await after.flush()
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '')
  t.equal(lines.length, 3)
  t.ok(lines.every((l) => JSON.parse(l).seq <= 3), 'the torn line is gone, every line is whole')
})

t.test('the append log: group commit keeps every record, in order; refuses after close and oversized records', async (t) => {
  const path = join(tempDir(t), 'x.jsonl')
  const log = new AppendLog(path, { fsync: false, maxRecordBytes: 200 })
  await Promise.all(Array.from({ length: 500 }, async (_, i) => { await log.append({ i }) }))
  t.same(readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l).i), Array.from({ length: 500 }, (_, i) => i))
  await t.rejects(log.append({ s: 'x'.repeat(300) }), /larger than 200 bytes/)
  await log.close()
  await t.rejects(log.append({}), /is closed/)
  writeFileSync(path, 'no newline at all')
  t.equal(new AppendLog(path).size, 0, 'a file that is one torn line is emptied')
})

t.test('views: polls within the gap are one view; from–to at its end; live views end on live-end or close', async (t) => {
  const dir = tempDir(t)
  const clock = { now: T0 }
  const log = new AuditLog({ dir, clock: () => clock.now })
  t.teardown(async () => await log.close())
  const views = new ViewAudit(log, { gapMs: 5 * 60_000, clock: () => clock.now })
  t.teardown(() => views.close())
  for (let i = 0; i < 10; i++) {
    views.report({ user: 'it-vakt', role: 'it', room: 'rodoy-1', what: 'room' })
    clock.now += 60_000
  }
  views.report({ user: 'spesialist-1', role: 'specialist', room: 'rodoy-1', what: 'live' })
  views.report({ user: 'spesialist-1', role: 'specialist', room: 'rodoy-1', what: 'live' })
  t.equal(views.openViews, 3, 'one polled view, two live ones (two tabs)')
  clock.now += 6 * 60_000
  views.sweep()
  views.report({ user: 'spesialist-1', role: 'specialist', room: 'rodoy-1', what: 'live-end' })
  views.report({ user: 'spesialist-1', role: 'specialist', room: 'rodoy-1', what: 'live-end' })
  views.report({ user: 'spesialist-1', role: 'specialist', room: 'rodoy-1', what: 'live-end' }) // one too many: ignored
  views.report({ user: 'x', role: 'it', room: 'Not A Slug', what: 'room' }) // bad input: dropped, not thrown
  views.report({ user: 'it-vakt', role: 'it', room: 'donna-1', what: 'room' })
  views.close()
  await log.flush()
  const entries = (await log.query({ action: 'view.' })).entries.reverse()
  t.same(entries.map((e) => `${e.actor} ${e.action} ${String(e.detail?.kind)}`), [
    'it-vakt view.start room',
    'spesialist-1 view.start live',
    'spesialist-1 view.start live',
    'it-vakt view.end room',
    'spesialist-1 view.end live',
    'spesialist-1 view.end live',
    'it-vakt view.start room',
    'it-vakt view.end room'
  ])
  t.match(entries[3]!.detail, { from: T0, to: T0 + 9 * 60_000, requests: 10, view: `v-${entries[0]!.seq}` }, 'ten polls: one view, from the first to the last')
  t.match(entries[4]!.detail, { from: T0 + 10 * 60_000, to: T0 + 16 * 60_000 })
})

t.test('GET /api/audit: it only, filters, paging, bad queries refused', async (t) => {
  // the API app of a hub's parts, built apart from hub.app() (which registers the route itself once wired)
  const hub = new Hub(await testConfig(t), { logger: testLogger() })
  const audit = new AuditLog({ dir: tempDir(t) })
  const app = await buildHttpApp({ http: hub.config.http, users: hub.users, fleet: hub.fleet, ingest: hub.ingest, metrics: hub.metrics, log: testLogger(), health: () => hub.health(), publishSchedule: async () => {} })
  t.teardown(async () => { await app.close(); await audit.close() })
  await app.register(auditRoutes, { audit })
  for (let i = 0; i < 5; i++) audit.record({ actor: 'it-vakt', role: 'it', action: 'device.command', room: i % 2 === 0 ? 'rodoy-1' : 'donna-1', device: 'cam-1', detail: { name: 'snapshot' }, result: 'ok' })
  const it = { authorization: `Bearer ${tokens.it}` }
  const first = await app.inject({ method: 'GET', url: '/api/audit?limit=2&room=rodoy-1', headers: it })
  t.equal(first.statusCode, 200)
  t.same(first.json().entries.map((e: { seq: number }) => e.seq), [5, 3])
  t.equal(first.json().next, 3)
  const second = await app.inject({ method: 'GET', url: `/api/audit?limit=2&room=rodoy-1&before=${String(first.json().next)}`, headers: it })
  t.same([second.json().entries.map((e: { seq: number }) => e.seq), second.json().next], [[1], null])
  t.match(second.json().entries[0], { actor: 'it-vakt', role: 'it', action: 'device.command', room: 'rodoy-1', device: 'cam-1', detail: { name: 'snapshot' }, result: 'ok' })
  for (const [query, why] of [['limit=5000', 'limit'], ['room=Bad%20Room', 'room'], ['action=DROP%20TABLE', 'action'], ['from=yesterday', 'from']]) {
    const res = await app.inject({ method: 'GET', url: `/api/audit?${query}`, headers: it })
    t.equal(res.statusCode, 400, `a bad ${why}`)
    t.equal(res.json().error.code, 'bad_request')
  }
  t.equal((await app.inject({ method: 'GET', url: '/api/audit', headers: { authorization: `Bearer ${tokens.specialist}` } })).statusCode, 403)
  t.equal((await app.inject({ method: 'GET', url: '/api/audit', headers: { authorization: `Bearer ${tokens.staff}` } })).statusCode, 403)
  t.equal((await app.inject({ method: 'GET', url: '/api/audit' })).statusCode, 401)
})
