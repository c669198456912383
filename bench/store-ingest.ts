// Store ingest: points per second into InfluxDB through the hub's own store (cloud/store/
// influx-store.ts: batches of 5000, written one at a time, spilling to disk when InfluxDB lags),
// beside the same points written straight to InfluxDB's /write endpoint in batches of 5000 (the
// size InfluxDB recommends) — what influxd itself takes on this machine. Both counted in InfluxDB
// afterwards. Then the InfluxDB-stopped fault at full length (the store engineer's outage scenario,
// test/cloud/store/outage-scenario.ts): influxd stopped for a minute under a steady stream.
import { InfluxStore } from '../cloud/store/influx-store.js'
import { Measurements, type TelemetryPoint } from '../cloud/store/telemetry-store.js'
import { influxdMissing, startInfluxd, type Influxd } from '../test/cloud/store/influxd.js'
import { runOutage } from '../test/cloud/store/outage-scenario.js'
import { tempDir } from '../test/helpers/index.js'
import { withCleanup } from './lib/cleanup.js'
import type { BenchResult } from './lib/report.js'

export interface StoreIngestOptions {
  points?: number
  outageMs?: number
  log?: (line: string) => void
}

function readingPoint (i: number, base: number): TelemetryPoint {
  return { measurement: Measurements.reading, tags: { room: `room-${i % 100}`, device: 'spo2-1' }, fields: { n: i, spo2: 95 + (i % 5), pulse: 60 + (i % 30) }, ts: base + i }
}

async function countIn (influxd: Influxd, db: string): Promise<number> {
  const answer = await influxd.query(`SELECT count("n") FROM "${Measurements.reading}"`, db)
  return (answer.results?.[0]?.series?.[0]?.values?.[0]?.[1] ?? 0) as number
}

async function throughStore (influxd: Influxd, dataDir: string, total: number): Promise<{ rate: number, stored: number }> {
  const db = 'bench_hub'
  const store = new InfluxStore({ url: `${influxd.url}/${db}`, dataDir, clinical: true })
  await store.start()
  const base = Date.now() - 3_600_000
  const started = performance.now()
  // As the ingest hands them over: a message's points at a time, the event loop free in between.
  for (let i = 0; i < total; i += 1000) {
    const chunk: TelemetryPoint[] = []
    for (let j = i; j < Math.min(total, i + 1000); j++) chunk.push(readingPoint(j, base))
    store.write(chunk)
    await new Promise((resolve) => setImmediate(resolve))
  }
  await store.flush()
  const rate = total / ((performance.now() - started) / 1000)
  await store.close()
  return { rate, stored: await countIn(influxd, db) }
}

async function straight (influxd: Influxd, total: number): Promise<{ rate: number, stored: number }> {
  const db = 'bench_raw'
  await influxd.query(`CREATE DATABASE "${db}"`)
  const base = Date.now() - 3_600_000
  const started = performance.now()
  for (let i = 0; i < total; i += 5000) {
    const lines: string[] = []
    for (let j = i; j < Math.min(total, i + 5000); j++) {
      const p = readingPoint(j, base)
      lines.push(`${p.measurement},device=${p.tags.device},room=${p.tags.room} n=${j},spo2=${String(p.fields.spo2)},pulse=${String(p.fields.pulse)} ${p.ts}`)
    }
    const res = await fetch(`${influxd.url}/write?db=${db}&precision=ms`, { method: 'POST', body: lines.join('\n') })
    if (res.status !== 204) throw new Error(`influxd /write: ${res.status} ${await res.text()}`)
  }
  return { rate: total / ((performance.now() - started) / 1000), stored: await countIn(influxd, db) }
}

export async function storeIngest (options: StoreIngestOptions = {}): Promise<BenchResult> {
  const missing = influxdMissing()
  if (missing !== null) throw new Error(missing)
  const total = options.points ?? 400_000
  const outageMs = options.outageMs ?? Number(process.env.HELSEROM_FAULT_OUTAGE_MS ?? 60_000)
  return await withCleanup(async (cleanup) => {
    const influxd = await startInfluxd(cleanup)
    // Alternate, so neither always meets a warmer influxd.
    const peer = await straight(influxd, total / 2)
    const ours = await throughStore(influxd, tempDir(cleanup, 'helserom-bench-store-'), total / 2)
    options.log?.(`  hub store ${ours.rate.toFixed(0)} points/s (${ours.stored} stored), straight ${peer.rate.toFixed(0)} points/s (${peer.stored} stored)`)

    const outageStore = new InfluxStore({ url: `${influxd.url}/bench_outage`, dataDir: tempDir(cleanup, 'helserom-bench-outage-'), flushIntervalMs: 200 })
    await outageStore.start()
    cleanup.teardown(async () => { await outageStore.close() })
    const outage = await runOutage({ store: outageStore, influxd, database: 'bench_outage', room: 'outage-1', points: 20_000, outageMs })
    options.log?.(`  influxd stopped ${outageMs / 1000} s: ${outage.arrived}/${outage.injected} arrived, ${outage.missing.length} missing, dropped ${outage.dropped}, recovered ${outage.recoveryMs} ms after it answered`)
    return {
      name: 'store-ingest',
      title: 'Store ingest: points into InfluxDB 1.x',
      ours: 'through the hub\'s store (batching)',
      peer: 'straight /write, 5000 a batch',
      rows: [
        { figure: 'points per second', unit: 'points/s', ours: ours.rate, peer: peer.rate, better: 'higher' },
        { figure: 'points stored / written', unit: 'points', ours: `${ours.stored} of ${total / 2}`, peer: `${peer.stored} of ${total / 2}` },
        { figure: `InfluxDB stopped ${Math.round(outageMs / 1000)} s under a steady stream: points lost`, unit: 'points', ours: `${outage.missing.length} of ${outage.injected}`, peer: null },
        { figure: '… all written, after InfluxDB answered again', unit: 'ms', ours: outage.recoveryMs, peer: null }
      ],
      notes: [
        `${total / 2} reading points each (3 fields, 100 rooms), handed to the store 1000 at a time as fast as it takes them; timed until InfluxDB has confirmed the last batch`,
        `the outage: ${outage.injected} points at ~${outage.writeRate}/s over ${Math.round((outageMs + 4000) / 1000)} s, influxd stopped for ${Math.round(outageMs / 1000)} s; ${outage.maxPending} pending at most; ${outage.dropped} dropped`
      ],
      data: { ours, peer, outage: { ...outage, missing: outage.missing.length } }
    }
  })
}
