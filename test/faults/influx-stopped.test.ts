// Fault: InfluxDB is stopped while a room streams readings through the hub into it (a hub that
// keeps clinical readings). The hub keeps ingesting, buffers what it cannot write, and once
// InfluxDB is back every reading is in it exactly once — counted in InfluxDB itself by each
// reading's running number. HELSEROM_FAULT_OUTAGE_MS sets the outage.
import t from 'tap'
import { Measurements } from '../../cloud/store/telemetry-store.js'
import { RAW_RP } from '../../cloud/store/influx-store.js'
import { sleep, waitFor } from '../helpers/index.js'
import { influxdMissing, startInfluxd } from '../cloud/store/influxd.js'
import { HubUnderTest, outageMs, ROOM, startRoomGateway, trackSeqs } from './fault-rig.js'

const RATE = 50
const missingInfluxd = influxdMissing()

t.test('InfluxDB stopped under load: every reading is stored once it is back', { skip: missingInfluxd ?? false }, async (t) => {
  const outage = outageMs()
  const influxd = await startInfluxd(t)
  const database = `fault_${process.pid}`
  const hub = new HubUnderTest(t, { store: { kind: 'influxdb', url: `${influxd.url}/${database}`, clinical: true, flushIntervalMs: 200 } })
  await hub.start()
  const store = hub.hub!.store!
  const gateway = await startRoomGateway(t, hub, [{ id: 'load-1', kind: 'bench-load', ratePerSecond: RATE }])
  const lastSeq = trackSeqs(gateway)
  await waitFor('live readings at the hub', () => hub.ledger.total >= 20)

  await influxd.stop()
  const stoppedAt = Date.now()
  await waitFor('the hub to notice', () => !store.health().writable, { timeoutMs: 15_000 })
  await sleep(Math.max(0, outage - (Date.now() - stoppedAt)))
  const pendingAtReturn = store.health().pending
  await influxd.start()
  const backAt = Date.now()
  await sleep(1000)
  // The stream goes on; everything produced up to here must end up in InfluxDB.
  const produced = lastSeq['load-1'] ?? 0
  const query = async (): Promise<Array<[number, number]>> => {
    const answer = await influxd.query(`SELECT "n" FROM "${database}"."${RAW_RP}"."${Measurements.reading}" WHERE "room" = '${ROOM}' AND "device" = 'load-1' AND "n" <= ${produced}`, database)
    return (answer.results?.[0]?.series?.[0]?.values ?? []) as Array<[number, number]>
  }
  let values: Array<[number, number]> = []
  await waitFor('every reading up to then in InfluxDB', async () => {
    values = await query()
    return new Set(values.map(([, n]) => n)).size >= produced
  }, { timeoutMs: 60_000, intervalMs: 250 }).catch(() => {}) // the count below says what is missing
  const drainMs = Date.now() - backAt
  await sleep(500)
  values = await query() // anything doubled by a late retry would show now
  const stored = new Set(values.map(([, n]) => n))
  const missing: number[] = []
  for (let n = 1; n <= produced; n++) if (!stored.has(n)) missing.push(n)
  const h = store.health()
  t.comment(`injected: influxd stopped for ${backAt - stoppedAt} ms while a room sent ${RATE} readings/s; ${pendingAtReturn} points pending in the hub when it came back`)
  t.comment(`lost: ${missing.length} of ${produced} readings missing in InfluxDB (${values.length} rows, ${values.length - stored.size} doubled); dropped ${h.dropped}; all in InfluxDB ${drainMs} ms after influxd was back`)
  t.ok(pendingAtReturn > 0, 'points waited in the hub during the outage')
  t.same(missing, [], 'every reading is in InfluxDB')
  t.equal(values.length, stored.size, 'none twice')
  t.equal(h.dropped, 0, 'nothing dropped')
})
