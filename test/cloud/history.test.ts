// The history API on a real hub with its embedded store: a gateway publishes network, device health,
// readiness and readings over MQTT; GET /api/rooms/:room/history reads them back. Validation,
// defaults and limits, who may read what, and the clinical readings (only where store.clinical, only
// for it and specialists, every read audited).
import t, { type Test } from 'tap'
import { describeInputProblem, type AuditInput } from '../../cloud/audit/audit-log.js'
import { historyRoutes, parseTime, resolveHistoryRequest } from '../../cloud/history/index.js'
import { Hub } from '../../cloud/hub.js'
import { testLogger, waitFor } from '../helpers/index.js'
import { connectGateway, healthMsg, publishJson, readingMsg, readinessMsg, statusMsg, testConfig, tokens } from './hub-fixtures.js'

interface Rig {
  hub: Hub
  audits: AuditInput[]
  get: (query: string, token?: string, room?: string) => Promise<{ status: number, body: any }>
}

async function hubWithHistory (t: Test, options: { clinical?: boolean, store?: boolean, audit?: (e: AuditInput) => void } = {}): Promise<Rig> {
  const config = await testConfig(t, { store: { kind: 'embedded', clinical: options.clinical ?? false, persist: false } })
  const hub = new Hub(config, { logger: testLogger(), deviceRoutes: false, ...(options.store !== false ? { store: 'from-config' as const } : {}) })
  t.teardown(async () => await hub.stop())
  const audits: AuditInput[] = []
  const app = await hub.app()
  const capture = (e: AuditInput): void => {
    const problem = describeInputProblem(e) // an entry the hub's audit log (cloud/audit) takes
    if (problem !== null) throw new Error(`an audit entry the audit log would refuse: ${problem}`)
    audits.push(e)
  }
  await app.register(historyRoutes, { fleet: hub.fleet, ...(hub.store !== undefined ? { store: hub.store } : {}), audit: options.audit ?? capture })
  await hub.start()
  const get = async (query: string, token: string = tokens.it, room = 'rodoy-1'): Promise<{ status: number, body: any }> => {
    const res = await app.inject({ method: 'GET', url: `/api/rooms/${room}/history?${query}`, headers: { authorization: `Bearer ${token}` } })
    return { status: res.statusCode, body: res.json() }
  }
  return { hub, audits, get }
}

const T0 = Date.parse('2026-11-24T08:00:00Z')
const MIN = 60_000

/** A gateway's morning: network every minute, camera health, readiness, and one oximeter reading a minute. */
async function morning (t: Test, hub: Hub): Promise<void> {
  const gw = await connectGateway(t, hub.urls!.mqtt, 'rodoy-1')
  await publishJson(gw, 'helserom/v1/rodoy-1/status', { ...statusMsg(true), ts: T0 }, true)
  for (let i = 0; i < 10; i++) {
    const ts = T0 + i * MIN
    await publishJson(gw, 'helserom/v1/rodoy-1/network', { rttMs: 20 + i, jitterMs: 2, lossPct: 0, upMbps: 10, downMbps: 20, ifaceUtilPct: 3, ts }, true)
    await publishJson(gw, 'helserom/v1/rodoy-1/devices/cam-1/health', { ...healthMsg(i === 5 ? 'down' : 'ok'), ts }, true)
    await publishJson(gw, 'helserom/v1/rodoy-1/devices/cam-2/health', { ...healthMsg('ok'), ts }, true)
    await publishJson(gw, 'helserom/v1/rodoy-1/readiness', { ...readinessMsg(i === 5 ? 'red' : 'green'), ts }, true)
    await publishJson(gw, 'helserom/v1/rodoy-1/devices/spo2-1/readings', readingMsg(i, 'boot-1', { ts, values: { spo2: 90 + i, pulse: 70 } }))
  }
  await waitFor('every reading ingested', () => hub.fleet.get('rodoy-1')?.readings.accepted === 10)
  await hub.store?.flush()
}

const range = `from=${T0}&to=${T0 + 60 * MIN}`

t.test('history of the network and of each device, from the store', async (t) => {
  const { hub, get } = await hubWithHistory(t)
  await morning(t, hub)

  const rtt = await get(`metric=network.rttMs&${range}`)
  t.equal(rtt.status, 200)
  t.equal(rtt.body.metric, 'network.rttMs')
  t.equal(rtt.body.from, T0)
  t.equal(rtt.body.series.length, 1)
  t.same(rtt.body.series[0].tags, { room: 'rodoy-1' })
  t.same(rtt.body.series[0].points.map((p: { value: number }) => p.value), [20, 21, 22, 23, 24, 25, 26, 27, 28, 29])
  t.equal(rtt.body.series[0].points[3].ts, T0 + 3 * MIN, 'each point at the time the gateway measured it')

  const iso = await get(`metric=network.rttMs&from=2026-11-24T09:02:00%2B01:00&to=2026-11-24T08:04:00Z`)
  t.equal(iso.status, 200, 'ISO 8601 times, with an offset or Z')
  t.same(iso.body.series[0].points.map((p: { value: number }) => p.value), [22, 23, 24])

  const health = await get(`metric=device_health.stateCode&${range}`)
  t.same(health.body.series.map((s: { tags: Record<string, string> }) => s.tags.device), ['cam-1', 'cam-2'], 'a series per device')
  const cam1 = await get(`metric=device_health.stateCode&device=cam-1&${range}`)
  t.equal(cam1.body.series.length, 1, 'device filter')
  t.equal(cam1.body.series[0].points[5].value, 2, 'down at 08:05')

  const bucketed = await get(`metric=network.rttMs&from=${T0}&to=${T0 + 10 * MIN - 1}&maxPoints=2`)
  t.equal(bucketed.body.maxPoints, 2)
  t.same(bucketed.body.series[0].points, [{ ts: T0, value: 22 }, { ts: T0 + 5 * MIN, value: 27 }], 'maxPoints: the means of equal buckets')

  const staff = await get(`metric=readiness.levelCode&${range}`, tokens.staff)
  t.equal(staff.status, 200, 'staff may read readiness history')
  t.equal(staff.body.series[0].points[5].value, 2)
  const staffNetwork = await get(`metric=network.rttMs&${range}`, tokens.staff)
  t.equal(staffNetwork.status, 403, 'but not the network')
  t.match(staffNetwork.body.error.message, /readiness and gateway_status only/)
})

t.test('states published on change start with the state that held at from', async (t) => {
  const { hub, get } = await hubWithHistory(t)
  await morning(t, hub) // readiness, cam-1 and cam-2 health every minute from 08:00 to 08:09; online since 08:00
  const later = `from=${T0 + 30 * MIN}&to=${T0 + 60 * MIN}`

  const readiness = await get(`metric=readiness.levelCode&${later}`)
  t.equal(readiness.status, 200)
  t.same(readiness.body.series[0]?.points, [{ ts: T0 + 9 * MIN, value: 0 }], 'green since 08:09, though nothing was published in the range')
  const level = await get(`metric=readiness.level&${later}`)
  t.same(level.body.series[0]?.points, [{ ts: T0 + 9 * MIN, value: 'green' }])
  const online = await get(`metric=gateway_status.online&${later}`)
  t.same(online.body.series[0]?.points, [{ ts: T0, value: 1 }], 'online since 08:00')

  const health = await get(`metric=device_health.stateCode&${later}`)
  t.same(health.body.series.map((s: { tags: Record<string, string>, points: unknown[] }) => [s.tags.device, s.points]), [
    ['cam-1', [{ ts: T0 + 9 * MIN, value: 0 }]],
    ['cam-2', [{ ts: T0 + 9 * MIN, value: 0 }]]
  ], 'every device\'s state, each series its own')

  const within = await get(`metric=readiness.levelCode&from=${T0 + 5 * MIN + 30_000}&to=${T0 + 60 * MIN}`)
  t.same(within.body.series[0]?.points.map((p: { ts: number, value: number }) => [(p.ts - T0) / MIN, p.value]), [[5, 2], [6, 0], [7, 0], [8, 0], [9, 0]],
    'red at 08:05 held at 08:05:30: the chart starts red')

  const network = await get(`metric=network.rttMs&${later}`)
  t.same(network.body.series, [], 'measurements taken at intervals are not carried')

  // a state from days before the range: still found
  const gw = await connectGateway(t, hub.urls!.mqtt, 'rodoy-1')
  await publishJson(gw, 'helserom/v1/rodoy-1/readiness', { ...readinessMsg('red'), ts: T0 - 3 * 24 * 60 * MIN }, false)
  await waitFor('the old point stored', async () => { await hub.store?.flush(); return (await get(`metric=readiness.levelCode&from=${T0 - 4 * 24 * 60 * MIN}&to=${T0 - MIN}`)).body.series.length > 0 })
  const daysLater = await get(`metric=readiness.levelCode&from=${T0 - MIN}&to=${T0 + 30_000}`)
  t.same(daysLater.body.series[0]?.points.map((p: { ts: number, value: number }) => p.value), [2, 0], 'red since three days before, then green at 08:00')
})

t.test('defaults, limits and bad requests', async (t) => {
  const { hub, get } = await hubWithHistory(t)
  const gw = await connectGateway(t, hub.urls!.mqtt, 'rodoy-1')
  const now = Date.now()
  await publishJson(gw, 'helserom/v1/rodoy-1/network', { rttMs: 42, jitterMs: 2, lossPct: 0, upMbps: 10, downMbps: 20, ifaceUtilPct: 3, ts: now - 3600_000 }, true)
  await publishJson(gw, 'helserom/v1/rodoy-1/network', { rttMs: 43, jitterMs: 2, lossPct: 0, upMbps: 10, downMbps: 20, ifaceUtilPct: 3, ts: now - 48 * 3600_000 }, true)
  await waitFor('ingested', async () => { await hub.store?.flush(); return (await hub.store!.query({ metric: 'network.rttMs', tags: { room: 'rodoy-1' }, from: 0, to: now })).length > 0 })
  await hub.store?.flush()

  const recent = await get('metric=network.rttMs')
  t.equal(recent.status, 200)
  t.ok(recent.body.to >= now && recent.body.to - recent.body.from === 24 * 3600_000, 'default: the last 24 hours')
  t.equal(recent.body.maxPoints, 500, 'default maxPoints')
  t.same(recent.body.series[0].points.map((p: { value: number }) => p.value), [42], 'the point of two days ago is outside')

  const cases: Array<[string, number, RegExp]> = [
    ['', 400, /metric/],
    ['metric=rttMs', 400, /not measurement\.field/],
    ['metric=weather.temp', 400, /no measurement "weather"/],
    ['metric=network.rtt-ms', 400, /field name|not measurement\.field/],
    ['metric=network.rttMs&from=yesterday', 400, /neither ms since epoch nor an ISO 8601/],
    ['metric=network.rttMs&from=2026-11-25&to=2026-11-24', 400, /is after to/],
    ['metric=network.rttMs&from=0&to=1000000000000', 400, /more than 366 days apart/],
    ['metric=network.rttMs&maxPoints=0', 400, /maxPoints/],
    ['metric=network.rttMs&maxPoints=10001', 400, /maxPoints/],
    ['metric=network.rttMs&device=CAM_1', 400, /device/]
  ]
  for (const [query, status, message] of cases) {
    const res = await get(query)
    t.equal(res.status, status, `${query || '(no query)'} → ${status}`)
    t.equal(res.body.error?.code, 'bad_request')
    t.match(res.body.error?.message, message, res.body.error?.message)
  }
  t.equal((await get('metric=network.rttMs', tokens.it, 'nowhere-1')).status, 404, 'a room that is not configured')
  t.equal((await get('metric=network.rttMs', tokens.specialist, 'donna-1')).status, 403, 'a room the specialist does not have')
  const none = await hub.app().then(async (app) => await app.inject({ method: 'GET', url: '/api/rooms/rodoy-1/history?metric=network.rttMs' }))
  t.equal(none.statusCode, 401)
})

t.test('clinical readings: not kept unless store.clinical', async (t) => {
  const { hub, audits, get } = await hubWithHistory(t, { clinical: false })
  await morning(t, hub)
  const res = await get(`metric=reading.spo2&${range}`, tokens.specialist)
  t.equal(res.status, 404)
  t.equal(res.body.error.code, 'not_kept')
  t.match(res.body.error.message, /relayed live and not stored/)
  const staff = await get(`metric=reading.spo2&${range}`, tokens.staff)
  t.equal(staff.status, 403, 'staff never')
  t.same(audits.map((a) => ({ actor: a.actor, action: a.action, result: a.result })), [
    { actor: 'spesialist-1', action: 'history.read', result: 'not-kept' },
    { actor: 'sykepleier-1', action: 'history.read', result: 'denied' }
  ], 'attempts at clinical history are audited')
})

t.test('clinical readings where the hub keeps them: it and specialists, each read audited', async (t) => {
  const { hub, audits, get } = await hubWithHistory(t, { clinical: true })
  await morning(t, hub)
  const res = await get(`metric=reading.spo2&device=spo2-1&${range}`, tokens.specialist)
  t.equal(res.status, 200)
  t.same(res.body.series[0].tags, { room: 'rodoy-1', device: 'spo2-1' })
  t.same(res.body.series[0].points.map((p: { value: number }) => p.value), [90, 91, 92, 93, 94, 95, 96, 97, 98, 99])
  t.same(audits, [{
    actor: 'spesialist-1',
    role: 'specialist',
    action: 'history.read',
    room: 'rodoy-1',
    device: 'spo2-1',
    detail: { metric: 'reading.spo2', from: T0, to: T0 + 60 * MIN, series: 1, points: 10 },
    result: 'ok'
  }])
  const network = await get(`metric=network.rttMs&${range}`, tokens.specialist)
  t.equal(network.status, 200)
  t.equal(audits.length, 1, 'history that is not patient data is not audited')
  t.equal((await get(`metric=reading.spo2&${range}`, tokens.staff)).status, 403, 'staff never')
})

t.test('a clinical read whose audit cannot be written sends nothing', async (t) => {
  const { hub, get } = await hubWithHistory(t, { clinical: true, audit: () => { throw new Error('disk full') } })
  await morning(t, hub)
  const res = await get(`metric=reading.spo2&${range}`, tokens.it)
  t.equal(res.status, 503)
  t.equal(res.body.error.code, 'unavailable')
  t.notMatch(JSON.stringify(res.body), /"points"/)
})

t.test('a hub without a store says so', async (t) => {
  const { get } = await hubWithHistory(t, { store: false })
  const res = await get('metric=network.rttMs')
  t.equal(res.status, 404)
  t.equal(res.body.error.code, 'not_kept')
})

t.test('resolveHistoryRequest and parseTime', async (t) => {
  t.equal(parseTime('1700000000000', 'from'), 1700000000000)
  t.equal(parseTime('2026-11-24', 'from'), Date.parse('2026-11-24T00:00:00Z'), 'a date is midnight UTC')
  t.equal(parseTime('2026-11-24T09:30:00+01:00', 'to'), Date.parse('2026-11-24T08:30:00Z'))
  t.throws(() => parseTime('Tue Nov 24 2026', 'from'), /ISO 8601/)
  t.throws(() => parseTime('-5', 'from'))
  const r = resolveHistoryRequest({ metric: 'reading.spo2', to: String(T0) }, T0 + 1)
  t.same(r, { metric: 'reading.spo2', measurement: 'reading', field: 'spo2', from: T0 - 24 * 3600_000, to: T0, maxPoints: 500, clinical: true })
})
