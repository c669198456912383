// An InfluxDB outage under a steady stream of points, shared by the outage tests and the benchmark:
// write `points` points evenly over before + outage + after ms, take influxd away (stop, or pause:
// hung rather than gone) for `outageMs`, bring it back, wait until the store has nothing pending,
// then count in InfluxDB itself what arrived. Every point has its own `seq` field and its own
// timestamp, so a point missing or doubled shows in the count (InfluxDB keeps one point per series
// and time, so a batch sent twice cannot double a point: "exactly once" is what the count sees).
import { sleep, waitFor } from '../../helpers/index.js'
import type { Influxd } from './influxd.js'
import type { TelemetryPoint, TelemetryStore } from '../../../cloud/store/telemetry-store.js'

export interface OutageOptions {
  store: TelemetryStore
  influxd: Influxd
  /** The store's database, to count what arrived. */
  database: string
  /** A tag value no other run uses. */
  room: string
  points?: number
  outageMs?: number
  beforeMs?: number
  afterMs?: number
  /** 'stop' kills influxd (connection refused); 'pause' stops it with SIGSTOP (requests hang). */
  mode?: 'stop' | 'pause'
  /** How long to wait for the store to drain after influxd is back. */
  drainTimeoutMs?: number
}

export interface OutageResult {
  injected: number
  arrived: number
  /** seq values that never arrived. */
  missing: number[]
  dropped: number
  /** health() said writable:false at least once while influxd was away. */
  sawUnwritable: boolean
  /** Largest `pending` seen. */
  maxPending: number
  /** From influxd answering again to nothing pending. */
  recoveryMs: number
  /** Points per second the writer handed to the store. */
  writeRate: number
  lastError: string | null
}

/** One point of the stream: `seq` identifies it, its timestamp is its own. */
export function streamPoint (room: string, base: number, seq: number): TelemetryPoint {
  return { measurement: 'network', tags: { room }, fields: { seq, rttMs: seq % 100 }, ts: base + seq }
}

/** Every `seq` of `room` in the raw retention policy of `database`, as InfluxDB has them. */
export async function arrivedSeqs (influxd: Influxd, database: string, room: string): Promise<number[]> {
  const answer = await influxd.query(`SELECT "seq" FROM "${database}"."raw"."network" WHERE "room" = '${room}'`, database)
  const values = (answer.results?.[0]?.series?.[0]?.values ?? []) as Array<[number, number]>
  return values.map(([, seq]) => seq)
}

export async function runOutage (options: OutageOptions): Promise<OutageResult> {
  const { store, influxd, database, room } = options
  const total = options.points ?? 20_000
  const outageMs = options.outageMs ?? 12_000
  const beforeMs = options.beforeMs ?? 2000
  const afterMs = options.afterMs ?? 2000
  const mode = options.mode ?? 'stop'
  const tickMs = 20
  const duration = beforeMs + outageMs + afterMs
  const base = Date.now() - 60_000
  const droppedBefore = store.health().dropped

  let seq = 0
  let down = false
  let wentDown = false
  let cameBack = false
  let sawUnwritable = false
  let maxPending = 0
  let backAt = 0
  const started = Date.now()
  while (seq < total) {
    const elapsed = Date.now() - started
    if (!wentDown && elapsed >= beforeMs) {
      wentDown = true
      down = true
      if (mode === 'stop') await influxd.stop()
      else influxd.pause()
    }
    if (wentDown && !cameBack && elapsed >= beforeMs + outageMs) {
      cameBack = true
      if (mode === 'stop') await influxd.start()
      else influxd.resume()
      down = false
      backAt = Date.now()
    }
    // Catch up to where the clock says the stream should be, so the rate is steady.
    const due = Math.min(total, Math.ceil(total * Math.min(1, (Date.now() - started) / duration)))
    const chunk: TelemetryPoint[] = []
    while (seq < due) chunk.push(streamPoint(room, base, seq++))
    store.write(chunk)
    const h = store.health()
    if (down && !h.writable) sawUnwritable = true
    maxPending = Math.max(maxPending, h.pending)
    await sleep(tickMs)
  }
  const writeRate = Math.round(total / ((Date.now() - started) / 1000))
  if (!cameBack) {
    if (mode === 'stop') await influxd.start()
    else influxd.resume()
    backAt = Date.now()
  }
  await waitFor('the store to drain after the outage', () => store.health().pending === 0 && store.health().writable, { timeoutMs: options.drainTimeoutMs ?? 120_000, intervalMs: 50 })
  const recoveryMs = Date.now() - backAt
  await store.flush()

  const seqs = await arrivedSeqs(influxd, database, room)
  const seen = new Set(seqs)
  const missing: number[] = []
  for (let i = 0; i < total; i++) if (!seen.has(i)) missing.push(i)
  const h = store.health()
  return {
    injected: total,
    arrived: seqs.length,
    missing,
    dropped: h.dropped - droppedBefore,
    sawUnwritable,
    maxPending,
    recoveryMs,
    writeRate,
    lastError: h.lastError
  }
}
