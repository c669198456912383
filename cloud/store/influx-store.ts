// The InfluxDB 1.x telemetry store. Points are batched (batchSize points or flushIntervalMs, whichever
// comes first) and written one batch at a time, in order, at ms precision into the `raw` retention
// policy (kept retentionDays); a continuous query keeps 5-minute means of every numeric field in
// `downsampled` (kept downsampledRetentionDays), and queries reaching past the raw horizon read those.
//
// InfluxDB down or slow is a state of the hub, not an error of ingest: a batch that fails goes to the
// outage buffer on disk (outage-buffer.ts), and so does everything after it until the buffer has
// drained; batches are retried with exponential backoff, oldest first. Nothing is lost within
// bufferMaxBytes; past it the oldest batches are dropped and counted. health() says writable:false,
// how much is pending, what was dropped, and the last error.
import { join } from 'node:path'
import type { InfluxDB, IPoint } from 'influx'
import { createInfluxClient, describe, parseInfluxUrl, statusOf, type InfluxTarget } from './influx-client.js'
import { InfluxHistory } from './influx-history.js'
import { ensureSchema, LATE_MS, RAW_RP, recomputeMeansStatement } from './influx-schema.js'
import { OutageBuffer, type DroppedBatch } from './outage-buffer.js'
import type { StoreLogger } from './store-logger.js'
import { StoreTally } from './store-tally.js'
import type { HistoryQuery, HistorySeries, StoreHealth, TelemetryPoint, TelemetryStore } from './telemetry-store.js'

export { parseInfluxUrl, type InfluxTarget } from './influx-client.js'
export { RAW_RP, DOWNSAMPLED_RP, DOWNSAMPLE_CQ, DOWNSAMPLE_BUCKET_MS } from './influx-schema.js'

export interface InfluxStoreOptions {
  /** `http://127.0.0.1:8086/helserom`, optionally with credentials: `http://user:pass@host:8086/db`. */
  url: string
  /** The hub's data folder; the outage buffer lives in `influx-outage-buffer/` inside it. */
  dataDir: string
  clinical?: boolean
  /** How long raw points are kept; default 30 days. */
  retentionDays?: number
  /** How long the 5-minute means are kept; default 730 days. */
  downsampledRetentionDays?: number
  /** Points per write; default 5000. */
  batchSize?: number
  /** A partial batch is written after this long; default 1000 ms. */
  flushIntervalMs?: number
  /** Bound of the outage buffer on disk; default 256 MiB. */
  bufferMaxBytes?: number
  /** An InfluxDB request that takes longer counts as failed; default 10 s. */
  requestTimeoutMs?: number
  /** Backoff between retries while InfluxDB fails: from retryMinMs doubling up to retryMaxMs; defaults 250 ms and 5 s. */
  retryMinMs?: number
  retryMaxMs?: number
  log?: StoreLogger
}

export const OUTAGE_BUFFER_DIR = 'influx-outage-buffer'
const DAY_MS = 86_400_000

interface Job {
  points: TelemetryPoint[]
  /** Ids of buffered batches this job carries, or null when it comes from memory. */
  fromDisk: number[] | null
  /** Id of the copy spilled to the buffer while it was being sent from memory. */
  spilledId: number | null
  /** Points of this job the buffer dropped meanwhile (counted as dropped only if the send fails). */
  droppedMeanwhile: number
}

interface FlushWaiter {
  resolve: () => void
  reject: (err: Error) => void
}

function positive (value: number | undefined, fallback: number, what: string, min = 1): number {
  const v = value ?? fallback
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new TypeError(`store.${what} must be a number of at least ${min}, not ${String(value)}`)
  return v
}

export class InfluxStore implements TelemetryStore {
  readonly kind = 'influxdb' as const
  readonly clinical: boolean
  readonly target: InfluxTarget
  private readonly influx: InfluxDB
  private readonly db: string
  private readonly retentionDays: number
  private readonly longRetentionDays: number
  private readonly batchSize: number
  private readonly flushIntervalMs: number
  private readonly requestTimeoutMs: number
  private readonly retryMinMs: number
  private readonly retryMaxMs: number
  private readonly maxMemoryPoints: number
  readonly buffer: OutageBuffer
  private readonly log: StoreLogger | undefined

  private current: TelemetryPoint[] = []
  private memQueue: TelemetryPoint[][] = []
  private memQueuedPoints = 0
  private inflight: Job | null = null
  private readonly tally = new StoreTally()
  private writable = false
  private schemaReady = false
  private retryDelay: number
  private retryAt = 0
  private flushWaiters: FlushWaiter[] = []
  private wakeUp: (() => void) | null = null
  private timer: NodeJS.Timeout | null = null
  private loop: Promise<void> | null = null
  private started = false
  private stopping = false
  private closed = false
  /** Measurement → [oldest, newest] ts of points written late, whose 5-minute means need recomputing. */
  private lateRanges = new Map<string, [number, number]>()
  private lastBackfillAt = 0
  private readonly history: InfluxHistory

  constructor (options: InfluxStoreOptions) {
    this.target = parseInfluxUrl(options.url)
    this.db = this.target.database
    this.clinical = options.clinical ?? false
    this.retentionDays = positive(options.retentionDays, 30, 'retentionDays')
    this.longRetentionDays = positive(options.downsampledRetentionDays, 730, 'downsampledRetentionDays')
    if (!Number.isInteger(this.retentionDays) || !Number.isInteger(this.longRetentionDays)) throw new TypeError('store.retentionDays and store.downsampledRetentionDays must be whole days')
    this.batchSize = Math.floor(positive(options.batchSize, 5000, 'batchSize'))
    this.flushIntervalMs = positive(options.flushIntervalMs, 1000, 'flushIntervalMs', 10)
    this.requestTimeoutMs = positive(options.requestTimeoutMs, 10_000, 'requestTimeoutMs', 100)
    this.retryMinMs = positive(options.retryMinMs, 250, 'retryMinMs', 10)
    this.retryMaxMs = positive(options.retryMaxMs, 5000, 'retryMaxMs', this.retryMinMs)
    this.retryDelay = this.retryMinMs
    this.maxMemoryPoints = this.batchSize * 4
    this.log = options.log
    this.buffer = new OutageBuffer(join(options.dataDir, OUTAGE_BUFFER_DIR), Math.floor(positive(options.bufferMaxBytes, 256 << 20, 'bufferMaxBytes', 1024)))
    this.influx = createInfluxClient(this.target, this.requestTimeoutMs)
    this.history = new InfluxHistory(this.influx, this.db, this.retentionDays, this.requestTimeoutMs)
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    const load = this.buffer.open()
    if (load.records > 0 || load.corrupt > 0 || load.tornBytes > 0) {
      this.log?.warn({ dir: this.buffer.dir, ...load }, 'InfluxDB outage buffer holds points from a previous run; they are sent first')
    }
    try {
      await this.ensureSchema()
      this.writable = true
    } catch (err) {
      this.failed(err, 'InfluxDB is not reachable at start; points are buffered until it is')
    }
    this.timer = setInterval(() => { this.seal() }, this.flushIntervalMs)
    this.timer.unref()
    this.loop = this.run().catch((err: unknown) => {
      // A bug, not an outage: say so loudly rather than crash the hub or go quiet.
      this.writable = false
      this.tally.error(`InfluxDB sender stopped: ${describe(err)}`)
      this.log?.error({ err }, 'InfluxDB sender stopped')
    })
  }

  write (points: readonly TelemetryPoint[]): void {
    if (this.closed || this.stopping) {
      this.tally.rejected += points.length
      return
    }
    for (const raw of points) {
      const point = this.tally.admit(raw, this.clinical)
      if (point === null) continue
      this.current.push(point)
      if (this.current.length >= this.batchSize) this.seal()
    }
  }

  async flush (): Promise<void> {
    if (!this.started || this.closed) return
    this.seal()
    if (this.idle() && this.lateRanges.size === 0) return
    await new Promise<void>((resolve, reject) => {
      this.flushWaiters.push({ resolve, reject })
      this.retryAt = 0
      this.wake()
    })
  }

  health (): StoreHealth {
    const inflightFromMemory = this.inflight !== null && this.inflight.fromDisk === null && this.inflight.spilledId === null
      ? this.inflight.points.length
      : 0
    return this.tally.health(this.writable && !this.closed, this.current.length + this.memQueuedPoints + inflightFromMemory + this.buffer.points)
  }

  /**
   * Gives queued points up to requestTimeoutMs to reach InfluxDB, then keeps whatever is left in the
   * outage buffer (including a batch still on the wire: if that write lands after all, sending it
   * again at the next start changes nothing).
   */
  async close (): Promise<void> {
    if (this.closed) return
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    if (this.started) {
      this.seal()
      if (this.writable && !this.idle()) {
        let timer: NodeJS.Timeout | undefined
        await Promise.race([
          this.flush().catch(() => {}),
          new Promise<void>((resolve) => { timer = setTimeout(resolve, this.requestTimeoutMs) })
        ])
        clearTimeout(timer)
      }
      this.stopping = true
      this.wake()
      // The loop ends at once unless a request is on the wire; do not wait for a hung one.
      await Promise.race([this.loop, new Promise<void>((resolve) => setTimeout(resolve, 50).unref())])
      this.spillAll()
      this.settleFlushWaiters(new Error('telemetry store closed'))
      this.closed = true
      this.buffer.close()
    }
    this.closed = true
    this.stopping = true
  }

  async query (query: HistoryQuery): Promise<HistorySeries[]> {
    return await this.history.query(query)
  }

  private async ensureSchema (): Promise<void> {
    const refused = await ensureSchema(this.influx, { db: this.db, retentionDays: this.retentionDays, downsampledRetentionDays: this.longRetentionDays })
    if (refused !== null) {
      this.tally.error(refused)
      this.log?.warn({ reason: refused, db: this.db }, 'InfluxDB schema setup refused; writing to what exists')
    }
    this.schemaReady = true
  }

  /** Moves the batch being filled to the send queue (to the buffer while the buffer is not empty). */
  private seal (): void {
    if (this.current.length === 0 || this.closed) return
    const batch = this.current
    this.current = []
    const spilledInflight = this.inflight !== null && this.inflight.fromDisk === null && this.inflight.spilledId !== null
    if (!this.buffer.isEmpty || spilledInflight) {
      // Older batches are on disk: this one goes behind them, so the order holds.
      this.appendToBuffer(batch)
    } else {
      this.memQueue.push(batch)
      this.memQueuedPoints += batch.length
      // InfluxDB is slow: keep memory bounded, the disk takes the rest in the same order.
      if (this.memQueuedPoints > this.maxMemoryPoints) this.spillAll()
    }
    this.wake()
  }

  /** Moves everything not yet delivered from memory to the buffer, oldest first. */
  private spillAll (): void {
    const job = this.inflight
    if (job !== null && job.fromDisk === null && job.spilledId === null) {
      const { id, dropped } = this.buffer.append(job.points)
      job.spilledId = id ?? -1
      if (id === null) job.droppedMeanwhile += job.points.length
      this.countDropped(dropped.filter((d) => d.id !== 0))
    }
    for (const batch of this.memQueue) this.appendToBuffer(batch)
    this.memQueue = []
    this.memQueuedPoints = 0
  }

  private appendToBuffer (batch: TelemetryPoint[]): void {
    try {
      this.countDropped(this.buffer.append(batch).dropped)
    } catch (err) {
      this.tally.dropped += batch.length
      this.tally.error(`could not write the outage buffer in ${this.buffer.dir}: ${describe(err)}`)
      this.log?.error({ err: describe(err), dir: this.buffer.dir, points: batch.length }, 'InfluxDB outage buffer write failed; points dropped')
    }
  }

  /** Batches the buffer dropped to stay in bound; one being sent counts only if its send fails. */
  private countDropped (dropped: readonly DroppedBatch[]): void {
    if (dropped.length === 0) return
    const job = this.inflight
    let total = 0
    for (const d of dropped) {
      if (job !== null && d.id !== 0 && (job.fromDisk?.includes(d.id) === true || job.spilledId === d.id)) job.droppedMeanwhile += d.count
      else total += d.count
    }
    if (total > 0) {
      this.tally.dropped += total
      this.tally.error(`outage buffer full (${this.buffer.maxBytes} bytes): dropped the oldest ${total} points`)
      this.log?.warn({ dropped: total, droppedTotal: this.tally.dropped }, 'InfluxDB outage buffer full; oldest points dropped')
    }
  }

  private idle (): boolean {
    return this.current.length === 0 && this.memQueue.length === 0 && this.inflight === null && this.buffer.isEmpty
  }

  /** The sender: one batch on the wire at a time, buffer first, then memory. */
  private async run (): Promise<void> {
    while (!this.stopping) {
      const wait = this.retryAt - Date.now()
      if (wait > 0) {
        await this.sleep(wait)
        continue
      }
      let job: Job | null
      try {
        job = this.takeJob()
      } catch (err) {
        // The disk under the buffer fails: say so, and try again later rather than spin.
        this.tally.error(`could not read the outage buffer in ${this.buffer.dir}: ${describe(err)}`)
        this.retryAt = Date.now() + this.retryMaxMs
        this.settleFlushWaiters(new Error(this.tally.lastError ?? 'outage buffer unreadable'))
        continue
      }
      if (job === null) {
        if (this.lateRanges.size > 0 && (this.flushWaiters.length > 0 || Date.now() - this.lastBackfillAt > 10_000)) {
          await this.backfill()
          continue
        }
        this.settleFlushWaiters(null)
        await this.sleep()
        continue
      }
      this.inflight = job
      await this.send(job)
    }
  }

  private takeJob (): Job | null {
    const peeked = this.buffer.peek(this.batchSize)
    if (peeked !== null && peeked.corruptPoints > 0) {
      this.tally.dropped += peeked.corruptPoints
      this.tally.error(`dropped ${peeked.corruptPoints} points of an unreadable record in ${this.buffer.dir}`)
    }
    if (peeked !== null && peeked.ids.length > 0) return { points: peeked.points, fromDisk: peeked.ids, spilledId: null, droppedMeanwhile: 0 }
    const batch = this.memQueue.shift()
    if (batch === undefined) return null
    this.memQueuedPoints -= batch.length
    return { points: batch, fromDisk: null, spilledId: null, droppedMeanwhile: 0 }
  }

  private async send (job: Job): Promise<void> {
    try {
      if (!this.schemaReady) await this.ensureSchema()
      await this.influx.writePoints(job.points.map(toInfluxPoint), { precision: 'ms', retentionPolicy: RAW_RP })
      this.delivered(job, job.points.length)
    } catch (err) {
      const status = statusOf(err)
      const message = describe(err)
      if (status === 400 && /partial write/.test(message)) {
        // Reachable, and it kept the rest: e.g. points older than the raw retention, a field type conflict.
        const dropped = Number(/dropped=(\d+)/.exec(message)?.[1] ?? 0)
        this.tally.dropped += dropped
        this.tally.error(`InfluxDB refused ${dropped} points: ${message}`)
        this.delivered(job, job.points.length - dropped)
      } else if (status === 400 || status === 413) {
        // A batch InfluxDB will never take; retrying it would stall everything behind it.
        this.tally.dropped += job.points.length
        this.tally.error(`InfluxDB refused a batch of ${job.points.length} points: ${message}`)
        this.log?.error({ err: message, points: job.points.length }, 'InfluxDB refused a batch; dropped')
        this.delivered(job, 0)
      } else {
        if (status === 404 || /database not found/.test(message)) this.schemaReady = false
        this.sendFailed(job, err)
      }
    }
  }

  private delivered (job: Job, written: number): void {
    if (this.closed) return
    this.inflight = null
    this.tally.written += written
    if (!this.writable) this.log?.info({ pending: this.health().pending }, 'InfluxDB is writable again')
    this.writable = true
    this.retryDelay = this.retryMinMs
    if (job.fromDisk !== null) this.buffer.ack(job.fromDisk)
    else if (job.spilledId !== null && job.spilledId > 0) this.buffer.markDelivered(job.spilledId)
    this.noteLatePoints(job.points)
  }

  private sendFailed (job: Job, err: unknown): void {
    if (this.closed) return
    // A batch from memory goes to the buffer first, then whatever queued behind it.
    this.spillAll()
    this.inflight = null
    if (job.droppedMeanwhile > 0) {
      this.tally.dropped += job.droppedMeanwhile
      this.tally.error(`outage buffer full (${this.buffer.maxBytes} bytes): dropped the oldest ${job.droppedMeanwhile} points`)
    }
    this.failed(err, 'InfluxDB write failed; buffering and retrying')
    const jitter = 0.8 + Math.random() * 0.4
    this.retryAt = Date.now() + this.retryDelay * jitter
    this.retryDelay = Math.min(this.retryMaxMs, this.retryDelay * 2)
    this.settleFlushWaiters(new Error(`InfluxDB is not writable: ${this.tally.lastError ?? 'unknown error'}`))
  }

  private failed (err: unknown, message: string): void {
    if (this.writable) this.log?.warn({ err: describe(err), url: `${this.target.protocol}://${this.target.host}:${this.target.port}` }, message)
    this.writable = false
    this.tally.error(describe(err))
  }

  /** Remembers measurements that got points too old for the continuous query to see. */
  private noteLatePoints (points: readonly TelemetryPoint[]): void {
    const late = Date.now() - LATE_MS
    const horizon = Date.now() - this.retentionDays * DAY_MS
    for (const p of points) {
      if (p.ts >= late || p.ts < horizon) continue
      const range = this.lateRanges.get(p.measurement)
      if (range === undefined) this.lateRanges.set(p.measurement, [p.ts, p.ts])
      else {
        if (p.ts < range[0]) range[0] = p.ts
        if (p.ts > range[1]) range[1] = p.ts
      }
    }
  }

  /** Recomputes the 5-minute means of buckets that received late points (what the continuous query does for recent ones). */
  private async backfill (): Promise<void> {
    this.lastBackfillAt = Date.now()
    const ranges = this.lateRanges
    this.lateRanges = new Map()
    for (const [measurement, [from, to]] of ranges) {
      const statement = recomputeMeansStatement(this.db, measurement, from, to)
      try {
        // SELECT … INTO writes, and InfluxDB takes writes only by POST.
        await this.history.select(statement, 'POST')
      } catch (err) {
        this.lateRanges.set(measurement, [from, to])
        this.tally.error(`could not recompute 5-minute means of ${measurement}: ${describe(err)}`)
        this.settleFlushWaiters(new Error(this.tally.lastError ?? 'backfill failed'))
        return
      }
    }
  }

  private settleFlushWaiters (err: Error | null): void {
    const waiters = this.flushWaiters
    if (waiters.length === 0) return
    this.flushWaiters = []
    for (const w of waiters) {
      if (err === null) w.resolve()
      else w.reject(err)
    }
  }

  private sleep (ms?: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined
      const done = (): void => {
        clearTimeout(timer)
        this.wakeUp = null
        resolve()
      }
      this.wakeUp = done
      if (ms !== undefined) timer = setTimeout(done, ms)
    })
  }

  private wake (): void {
    this.wakeUp?.()
  }
}

function toInfluxPoint (p: TelemetryPoint): IPoint {
  return { measurement: p.measurement, tags: p.tags, fields: p.fields, timestamp: p.ts }
}
