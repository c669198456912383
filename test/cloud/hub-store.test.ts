// The hub writes what it ingests to the telemetry store the config names (here the embedded one).
import t from 'tap'
import { waitFor } from '../helpers/index.js'
import { connectGateway, getJson, healthMsg, publishJson, readingMsg, startTestHub, statusMsg, testConfig } from './hub-fixtures.js'

for (const clinical of [false, true]) {
  t.test(`history of network, health and status is kept; readings only when clinical (${String(clinical)})`, async (t) => {
    const config = await testConfig(t, { store: { kind: 'embedded', clinical } })
    const hub = await startTestHub(t, config, { store: 'from-config' })
    const store = hub.store!
    t.equal(store.clinical, clinical)
    const gw = await connectGateway(t, hub.urls!.mqtt, 'rodoy-1')
    const ts = Date.now()
    await publishJson(gw, 'helserom/v1/rodoy-1/status', statusMsg(true), true)
    await publishJson(gw, 'helserom/v1/rodoy-1/network', { rttMs: 42, jitterMs: 3, lossPct: 0, upMbps: 8, downMbps: 20, ifaceUtilPct: 5, ts }, true)
    await publishJson(gw, 'helserom/v1/rodoy-1/devices/cam-1/health', { ...healthMsg('degraded'), ts }, true)
    await publishJson(gw, 'helserom/v1/rodoy-1/devices/spo2-1/readings', readingMsg(0, 'b', { ts }))
    await waitFor('the reading ingested', () => hub.fleet.get('rodoy-1')?.readings.accepted === 1)
    await store.flush()
    const query = async (metric: string, tags: Record<string, string>): Promise<unknown[]> =>
      (await store.query({ metric, tags, from: ts - 60_000, to: ts + 60_000 })).flatMap((s) => s.points.map((p) => p.value))
    t.same(await query('network.rttMs', { room: 'rodoy-1' }), [42])
    t.same(await query('device_health.stateCode', { room: 'rodoy-1', device: 'cam-1' }), [1])
    t.same(await query('gateway_status.online', { room: 'rodoy-1' }), [1])
    t.same(await query('reading.spo2', { room: 'rodoy-1', device: 'spo2-1' }), clinical ? [97] : [], clinical ? 'the reading is kept' : 'the reading is not kept')
    const health = await getJson(`${hub.urls!.http}/healthz`)
    t.equal(health.body.store.kind, 'embedded')
    t.equal(health.body.store.writable, true)
  })
}
