// Fault: the uplink to the hub is cut under load — the hub stopped (connection refused), or the
// link blackholed (packets silently dropped, as a firewall or a dead mobile link does). Every
// reading produced meanwhile must reach the hub once it is back: counted by (device, boot, seq).
// HELSEROM_FAULT_OUTAGE_MS sets the outage (5 s here; the benchmark runs a minute).
import t from 'tap'
import { sleep, waitFor } from '../helpers/index.js'
import { HubUnderTest, outageMs, startRoomGateway, trackSeqs } from './fault-rig.js'
import { startBlackholeProxy } from './blackhole-proxy.js'

const RATE = 20 // readings per second per device: a backlog worth replaying within seconds
const devices = [
  { id: 'load-1', kind: 'bench-load', ratePerSecond: RATE },
  { id: 'load-2', kind: 'bench-load', ratePerSecond: RATE }
]

t.test('hub stopped under load: no reading lost', async (t) => {
  const outage = outageMs()
  const hub = new HubUnderTest(t)
  await hub.start()
  const gateway = await startRoomGateway(t, hub, devices)
  const lastSeq = trackSeqs(gateway)
  await waitFor('live readings at the hub', () => hub.ledger.total >= 20)

  await hub.stop()
  const cutAt = Date.now()
  const seqAtCut = { ...lastSeq }
  await waitFor('the gateway to notice', () => !gateway.uplinkConnected)
  await sleep(outage)
  const backlog = gateway.spool.pending
  await hub.start()
  const backAt = Date.now()
  await waitFor('the backlog replayed', () => gateway.uplinkConnected && gateway.spool.pending === 0 && hub.ledger.complete(gateway.boot, lastSeq), { timeoutMs: 60_000 })
  const replayMs = Date.now() - backAt

  const produced = Object.values(lastSeq).reduce((a, b) => a + b, 0)
  const during = Object.entries(lastSeq).reduce((sum, [d, s]) => sum + s - (seqAtCut[d] ?? 0), 0)
  const missing = Object.entries(lastSeq).flatMap(([device, last]) => hub.ledger.missing(device, gateway.boot, last).map((s) => `${device}#${s}`))
  t.comment(`injected: hub stopped for ${Date.now() - cutAt - replayMs} ms while 2 devices sent ${RATE}/s each; ${backlog} records spooled at the hub's return`)
  t.comment(`lost: ${missing.length} of ${produced} readings (${during} produced while cut off); ${hub.ledger.historical} replayed as historical, ${hub.ledger.duplicates} duplicates dropped; backlog delivered ${replayMs} ms after the hub was back`)
  t.same(missing, [], 'every (device, boot, seq) reached the hub')
  t.ok(hub.ledger.historical > 0, 'the replayed readings were marked historical')
  t.equal(gateway.spool.dropped, 0, 'the spool dropped nothing')
})

t.test('link blackholed under load (no FIN, no RST): no reading lost', async (t) => {
  const outage = outageMs()
  const hub = new HubUnderTest(t)
  await hub.start()
  const proxy = await startBlackholeProxy(t, { host: '127.0.0.1', port: hub.config.mqtt.port })
  const gateway = await startRoomGateway(t, { ...hub, mqttUrl: proxy.url } as unknown as HubUnderTest, devices, {
    gateway: { uplink: { reconnectPeriodMs: 300, keepaliveS: 2 } }
  })
  const lastSeq = trackSeqs(gateway)
  await waitFor('live readings at the hub', () => hub.ledger.total >= 20)

  proxy.block()
  const cutAt = Date.now()
  await waitFor('the gateway to notice the dead link (keepalive)', () => !gateway.uplinkConnected, { timeoutMs: 30_000 })
  const noticedMs = Date.now() - cutAt
  await sleep(Math.max(0, outage - noticedMs))
  const backlog = gateway.spool.pending
  proxy.unblock()
  const backAt = Date.now()
  await waitFor('the backlog replayed', () => gateway.uplinkConnected && gateway.spool.pending === 0 && hub.ledger.complete(gateway.boot, lastSeq), { timeoutMs: 60_000 })
  const replayMs = Date.now() - backAt

  const produced = Object.values(lastSeq).reduce((a, b) => a + b, 0)
  const missing = Object.entries(lastSeq).flatMap(([device, last]) => hub.ledger.missing(device, gateway.boot, last).map((s) => `${device}#${s}`))
  t.comment(`injected: link blackholed for ${backAt - cutAt} ms (${proxy.dropped} bytes dropped silently); the gateway noticed after ${noticedMs} ms (keepalive 2 s); ${backlog} records spooled`)
  t.comment(`lost: ${missing.length} of ${produced} readings; ${hub.ledger.duplicates} duplicates dropped; backlog delivered ${replayMs} ms after the link was back`)
  t.same(missing, [], 'every (device, boot, seq) reached the hub')
  t.equal(gateway.spool.dropped, 0, 'the spool dropped nothing')
})
