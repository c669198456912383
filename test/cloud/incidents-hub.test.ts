// End to end on a real hub: a gateway (a real MQTT client) reports a camera down before a
// consultation → an incident opens → a local webhook receiver (node:http) is notified → IT
// acknowledges it over the API → the camera comes back → the incident resolves by itself → each
// step is in the audit log, readable through GET /api/audit.
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { auditConfig } from '../../cloud/audit/config.js'
import { HubConfigSchema } from '../../cloud/config.js'
import { Hub } from '../../cloud/hub.js'
import { alertsConfig } from '../../cloud/incidents/config.js'
import { IncidentFeatures } from '../../cloud/incidents/features.js'
import type { Incident } from '../../cloud/incidents/incident.js'
import { notifyTargets } from '../../cloud/notify/config.js'
import { scheduleImportConfig } from '../../cloud/schedule/config.js'
import type { ReadinessMessage } from '../../protocol/messages.js'
import { testLogger, waitFor, type Teardown } from '../helpers/index.js'
import { connectGateway, healthMsg, publishJson, statusMsg, testConfig, tokens } from './hub-fixtures.js'

interface Received { path: string, headers: IncomingMessage['headers'], body: any }

/** A webhook receiver on a free loopback port that keeps every request. */
async function receiver (t: Teardown): Promise<{ url: string, received: Received[] }> {
  const received: Received[] = []
  const server = createServer((req, res) => {
    let data = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => { data += chunk })
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(data) })
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => { server.closeAllConnections(); await new Promise((resolve) => server.close(resolve)) })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received }
}

function readiness (level: 'green' | 'red', session: ReadinessMessage['session'] = null): ReadinessMessage {
  return {
    level,
    profile: 'ortopedi',
    session,
    reasons: level === 'green' ? [] : [{ code: 'device.down', level: 'red', device: 'cam-1', message: { nb: 'Kamera svarer ikke — sjekk strøm og kabel', en: 'Kamera is not responding — check power and cable' } }],
    ts: Date.now()
  }
}

/**
 * A hub with the incident features, however it is wired: once cloud/config.ts and cloud/hub.ts
 * include them (HubConfigSchema has `audit`), the hub builds them from its config; until then the
 * test composes them around the hub the way the hub will.
 */
async function hubWithIncidents (t: Teardown, hookUrl: string): Promise<{ hub: Hub, f: IncidentFeatures }> {
  // no flap suppression, so the test needs no waiting; a tick each second for the rest
  const alerts = { openAfterSeconds: 0, resolveAfterSeconds: 0, tickSeconds: 1 }
  const notify = [{ kind: 'webhook', url: hookUrl, name: 'it-vakt-hook' }]
  if ('audit' in HubConfigSchema.properties) {
    const hub = new Hub(await testConfig(t, { alerts, notify }), { logger: testLogger() })
    t.teardown(async () => await hub.stop())
    const f = (hub as unknown as { incidents: IncidentFeatures }).incidents
    return { hub, f }
  }
  const config = await testConfig(t)
  let features: IncidentFeatures | undefined
  const hub = new Hub(config, { logger: testLogger(), audit: (v) => features?.viewAudit(v) })
  const f = new IncidentFeatures({
    alerts: alertsConfig(alerts),
    notify: notifyTargets(notify),
    audit: auditConfig(),
    scheduleImport: scheduleImportConfig(),
    gateways: config.gateways
  }, {
    dataDir: hub.dataDir,
    fleet: hub.fleet,
    ingest: hub.ingest,
    log: testLogger(),
    publishSchedule: async (room, schedule) => await hub.publishSchedule(room, schedule),
    registry: hub.metrics.registry
  })
  features = f
  t.teardown(async () => { await hub.stop(); await f.stop() })
  await (await hub.app()).register(f.routes)
  await f.start()
  return { hub, f }
}

t.test('an incident opens, notifies a webhook, is acknowledged, resolves by itself, and every step is audited', async (t) => {
  const hook = await receiver(t)
  const { hub, f } = await hubWithIncidents(t, hook.url)
  const app = await hub.app()
  const urls = await hub.start()
  const changes: string[] = []
  f.engine.on('change', (c) => changes.push(`${c.kind}:${c.incident.cause}`))

  const it = { authorization: `Bearer ${tokens.it}` }
  const start = Date.now() + 5 * 60_000
  const put = await app.inject({ method: 'PUT', url: '/api/rooms/rodoy-1/schedule', headers: it, payload: [{ id: 'c-1', start, minutes: 30, profile: 'ortopedi' }] })
  t.equal(put.statusCode, 200)
  await waitFor('the schedule at the hub', () => hub.fleet.get('rodoy-1')?.schedule?.length === 1)

  const gw = await connectGateway(t, urls.mqtt, 'rodoy-1')
  await publishJson(gw, 'helserom/v1/rodoy-1/status', statusMsg(), true)
  await publishJson(gw, 'helserom/v1/rodoy-1/devices/cam-1/health', healthMsg('ok'), true)
  await publishJson(gw, 'helserom/v1/rodoy-1/readiness', readiness('green'), true)
  await waitFor('the room online', () => hub.fleet.get('rodoy-1')?.readiness?.level === 'green')
  t.same(f.engine.list({ state: 'active', room: 'rodoy-1' }), [], 'a green room has no incident')

  // the camera fails five minutes before the consultation
  await publishJson(gw, 'helserom/v1/rodoy-1/devices/cam-1/health', healthMsg('down'), true)
  await publishJson(gw, 'helserom/v1/rodoy-1/readiness', readiness('red'), true)
  const opened = await waitFor('an open incident', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/incidents?state=open&room=rodoy-1', headers: it })
    return (res.json().incidents as Incident[]).find((i) => i.cause === 'device.down:cam-1')
  })
  t.equal(opened.severity, 'critical', 'five minutes before the consultation a down camera is critical')
  t.equal(opened.title.nb, 'Helserom Rødøy: Kamera virker ikke', 'named by the room\'s and the device\'s names, bokmål')
  t.equal(opened.title.en, 'Helserom Rødøy: Kamera is not working')
  t.match(opened.detail.nb, /Kamera svarer ikke — sjekk strøm og kabel\. Neste konsultasjon kl\. \d\d:\d\d \(ortopedi\)\./)
  t.equal(opened.consultation?.id, 'c-1')

  const first = await waitFor('the webhook to be called', () => hook.received[0])
  t.equal(first.path, '/hook')
  t.equal(first.headers['content-type'], 'application/json; charset=utf-8')
  t.equal(first.headers['x-helserom-event'], 'opened')
  t.match(first.body, { type: 'helserom.incident', version: 1, event: 'opened', incident: { id: opened.id, room: 'rodoy-1', cause: 'device.down:cam-1', severity: 'critical', state: 'open' } })
  t.equal(first.body.headline.nb, '[Kritisk] Helserom Rødøy: Kamera virker ikke')

  // acknowledging: wrong role, unknown id, then IT, then again
  const staff = await app.inject({ method: 'POST', url: `/api/incidents/${opened.id}/ack`, headers: { authorization: `Bearer ${tokens.staff}` } })
  t.equal(staff.statusCode, 403, 'staff may not acknowledge')
  const specialist = await app.inject({ method: 'POST', url: `/api/incidents/${opened.id}/ack`, headers: { authorization: `Bearer ${tokens.specialist}` } })
  t.equal(specialist.statusCode, 403, 'nor may a specialist')
  const unknown = await app.inject({ method: 'POST', url: '/api/incidents/i-nothing-here/ack', headers: it })
  t.equal(unknown.statusCode, 404)
  t.same(unknown.json(), { error: { code: 'not_found', message: 'no incident "i-nothing-here"' } })
  const badBody = await app.inject({ method: 'POST', url: `/api/incidents/${opened.id}/ack`, headers: it, payload: { note: 'x'.repeat(600) } })
  t.equal(badBody.statusCode, 400, 'a note longer than 500 characters is refused')
  const ack = await app.inject({ method: 'POST', url: `/api/incidents/${opened.id}/ack`, headers: it, payload: { note: 'Ringer rommet nå' } })
  t.equal(ack.statusCode, 200, ack.body)
  t.match(ack.json(), { state: 'acknowledged', acknowledgedBy: 'it-vakt' })
  const again = await app.inject({ method: 'POST', url: `/api/incidents/${opened.id}/ack`, headers: it })
  t.equal(again.statusCode, 409)
  t.same(again.json().error, { code: 'conflict', message: `incident ${opened.id} was already acknowledged by it-vakt` })
  const noBody = await app.inject({ method: 'POST', url: `/api/incidents/${opened.id}/ack`, headers: it })
  t.equal(noBody.statusCode, 409, 'an acknowledgement needs no body')

  // the camera comes back: the incident resolves by itself
  await publishJson(gw, 'helserom/v1/rodoy-1/devices/cam-1/health', healthMsg('ok'), true)
  await publishJson(gw, 'helserom/v1/rodoy-1/readiness', readiness('green'), true)
  const resolved = await waitFor('the incident resolved', () => { const i = f.engine.get(opened.id); return i?.state === 'resolved' ? i : undefined })
  t.same(resolved.history.map((h) => h.event), ['opened', 'notified', 'acknowledged', 'notified', 'resolved', 'notified'], 'the history has every step')
  await waitFor('three webhook calls', () => hook.received.length >= 3)
  t.same(hook.received.map((r) => r.body.event), ['opened', 'acknowledged', 'resolved'], 'IT hears of each step, in order')
  t.same(changes, ['opened:device.down:cam-1', 'acknowledged:device.down:cam-1', 'resolved:device.down:cam-1'], 'the engine emits each change (for the WebSocket)')

  // the audit log has every step
  await f.audit.flush()
  const audit = await app.inject({ method: 'GET', url: '/api/audit?room=rodoy-1', headers: it })
  t.equal(audit.statusCode, 200)
  const entries = (audit.json().entries as Array<{ action: string, actor: string, detail?: Record<string, unknown>, result?: string }>).reverse()
  const steps = entries.filter((e) => e.detail?.incident === opened.id).map((e) => `${e.actor} ${e.action}${e.detail?.event !== undefined ? ` ${String(e.detail.event)}` : ''} ${e.result ?? ''}`.trim())
  // deliveries are audited when their response arrives, so their order against the API calls may vary
  for (const step of ['hub incident.open', 'hub notify.sent opened ok', 'it-vakt incident.ack ok', 'it-vakt incident.ack conflict', 'hub notify.sent acknowledged ok', 'hub incident.resolve', 'hub notify.sent resolved ok']) {
    t.ok(steps.includes(step), `audited: ${step}`)
  }
  t.ok(steps.indexOf('hub incident.open') < steps.indexOf('it-vakt incident.ack ok') && steps.indexOf('it-vakt incident.ack ok') < steps.indexOf('hub incident.resolve'), 'open, ack, resolve in order')
  t.ok(entries.some((e) => e.action === 'incident.ack' && e.actor === 'it-vakt' && e.detail?.note === 'Ringer rommet nå'), 'the note is kept')
  const onlyAcks = await app.inject({ method: 'GET', url: '/api/audit?action=incident.ack', headers: it })
  t.ok((onlyAcks.json().entries as Array<{ action: string }>).every((e) => e.action === 'incident.ack'))
  t.equal((await app.inject({ method: 'GET', url: '/api/audit', headers: { authorization: `Bearer ${tokens.specialist}` } })).statusCode, 403, 'the audit log is for it only')

  // a specialist's view of the room is audited too (the hub's audit option)
  const view = await app.inject({ method: 'GET', url: '/api/rooms/rodoy-1', headers: { authorization: `Bearer ${tokens.specialist}` } })
  t.equal(view.statusCode, 200)
  await f.audit.flush()
  const views = await f.audit.query({ action: 'view.start', actor: 'spesialist-1' })
  t.equal(views.entries.length, 1, 'the view is in the audit log')
  t.ok(await hub.metrics.value('helserom_hub_notifications_total', { outcome: 'sent' }) >= 3, 'sent notifications are counted')
  t.equal(await hub.metrics.value('helserom_hub_incidents_total', { kind: 'opened' }), 1)
})
