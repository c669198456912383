// The embedded telemetry store: history in the hub's own memory, for a hub that runs without
// InfluxDB (the demo, a small region). Bounded per series and in total; when a bound is hit the
// oldest points go, and are counted. Optionally persisted to an append-only log in the hub's dataDir
// (history-log.ts) so that history survives a hub restart.
//
// Memory: a point costs about 100–150 bytes (its fields object and a timestamp), so the default
// bound of 1,000,000 points is roughly 150 MB at most.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { bucketWidth, downsample } from './downsample.js'
import { HistoryLog, type LogSnapshotSeries } from './history-log.js'
import { checkQuery, tagsKey } from './point-rules.js'
import type { StoreLogger } from './store-logger.js'
import { StoreTally } from './store-tally.js'
import type { FieldValue, HistoryPoint, HistoryQuery, HistorySeries, StoreHealth, TelemetryPoint, TelemetryStore } from './telemetry-store.js'

export interface EmbeddedStoreOptions {
  /** Folder for the history log (`telemetry-history.log`); omit to keep history in memory only. */
  dataDir?: string
  /** Default 50,000 points (network quality every 5 s is about 3 days). */
  maxPointsPerSeries?: number
  /** Default 1,000,000 points. */
  maxPointsTotal?: number
  /** How often accepted points are appended to the log; default 1000 ms. */
  flushIntervalMs?: number
  clinical?: boolean
  log?: StoreLogger
}

interface Series {
  id: number
  key: string
  measurement: string
  tags: Record<string, string>
  tagsKey: string
  /** Sorted ascending, no duplicates; `fields[i]` belongs to `ts[i]`. */
  ts: number[]
  fields: Array<Record<string, FieldValue>>
}

export const HISTORY_LOG_FILE = 'telemetry-history.log'

function seriesKey (measurement: string, tags: Record<string, string>): string {
  return `${measurement}\u0000${tagsKey(tags)}`
}

/** First index whose ts is >= `ts`. */
function lowerBound (arr: readonly number[], ts: number): number {
  let lo = 0
  let hi = arr.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((arr[mid] as number) < ts) lo = mid + 1
    else hi = mid
  }
  return lo
}

export class EmbeddedStore implements TelemetryStore {
  readonly kind = 'embedded' as const
  readonly clinical: boolean
  private readonly maxPerSeries: number
  private readonly maxTotal: number
  private readonly flushIntervalMs: number
  private readonly series = new Map<string, Series>()
  private readonly byMeasurement = new Map<string, Set<Series>>()
  private nextId = 1
  private total = 0
  private readonly tally = new StoreTally()
  private logWritable = true
  private readonly historyLog: HistoryLog | null
  private timer: NodeJS.Timeout | null = null
  private compacting = false
  private started = false
  private closed = false

  constructor (private readonly options: EmbeddedStoreOptions = {}) {
    this.clinical = options.clinical ?? false
    this.maxPerSeries = options.maxPointsPerSeries ?? 50_000
    this.maxTotal = options.maxPointsTotal ?? 1_000_000
    this.flushIntervalMs = options.flushIntervalMs ?? 1000
    if (!Number.isInteger(this.maxPerSeries) || this.maxPerSeries < 1) throw new TypeError(`maxPointsPerSeries must be a positive integer, not ${String(options.maxPointsPerSeries)}`)
    if (!Number.isInteger(this.maxTotal) || this.maxTotal < 1) throw new TypeError(`maxPointsTotal must be a positive integer, not ${String(options.maxPointsTotal)}`)
    if (!(this.flushIntervalMs > 0)) throw new TypeError(`flushIntervalMs must be positive, not ${String(options.flushIntervalMs)}`)
    this.historyLog = options.dataDir !== undefined ? new HistoryLog(join(options.dataDir, HISTORY_LOG_FILE)) : null
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    if (this.historyLog !== null && this.options.dataDir !== undefined) {
      mkdirSync(this.options.dataDir, { recursive: true })
      const fileIds = new Map<number, Series>()
      const replay = await this.historyLog.open({
        series: ({ id, measurement, tags }) => {
          const s = this.seriesFor(measurement, tags, id)
          fileIds.set(id, s)
        },
        point: (id, ts, fields) => {
          const s = fileIds.get(id)
          if (s !== undefined) this.insert(s, ts, fields)
        }
      })
      this.nextId = Math.max(this.nextId, replay.maxSeriesId + 1)
      this.options.log?.info({ path: this.historyLog.path, points: this.total, series: this.series.size, logged: replay.points, corrupt: replay.corrupt, tornBytes: replay.tornBytes }, 'telemetry history loaded')
      if (replay.corrupt > 0) this.tally.error(`${replay.corrupt} unreadable lines in ${this.historyLog.path} were skipped`)
    }
    // Replay is not "written since start".
    this.tally.written = 0
    this.tally.dropped = 0
    this.timer = setInterval(() => { void this.persist().catch(() => {}) }, this.flushIntervalMs)
    this.timer.unref()
  }

  write (points: readonly TelemetryPoint[]): void {
    if (this.closed) {
      this.tally.rejected += points.length
      return
    }
    for (const raw of points) {
      const point = this.tally.admit(raw, this.clinical)
      if (point === null) continue
      const s = this.seriesFor(point.measurement, point.tags)
      this.insert(s, point.ts, point.fields)
      this.tally.written++
      if (this.historyLog === null) continue
      // A log that cannot be written must not grow memory without end: past the store's own bound
      // the point is kept in memory only (health says writable:false and why).
      if (this.historyLog.pendingPoints < this.maxTotal) this.historyLog.point(s.id, point.ts, point.fields)
      else this.tally.error(`history log ${this.historyLog.path} is behind by ${this.maxTotal} points; newer points are kept in memory only`)
    }
  }

  async flush (): Promise<void> {
    await this.persist()
  }

  async query (query: HistoryQuery): Promise<HistorySeries[]> {
    const q = checkQuery(query)
    const out: Array<HistorySeries & { key: string }> = []
    for (const s of this.byMeasurement.get(q.measurement) ?? []) {
      if (!q.tags.every(([k, v]) => s.tags[k] === v)) continue
      const points: HistoryPoint[] = []
      const end = lowerBound(s.ts, q.to + 1)
      for (let i = lowerBound(s.ts, q.from); i < end; i++) {
        const value = s.fields[i]?.[q.field]
        if (value !== undefined) points.push({ ts: s.ts[i] as number, value })
      }
      if (points.length === 0) continue
      const result = q.maxPoints !== undefined && points.length > q.maxPoints
        ? downsample(points, q.from, bucketWidth(q.from, q.to, q.maxPoints))
        : points
      out.push({ metric: query.metric, tags: { ...s.tags }, points: result, key: s.tagsKey })
    }
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    return out.map(({ key, ...series }) => series)
  }

  health (): StoreHealth {
    return this.tally.health(!this.closed && this.logWritable, this.historyLog?.pendingPoints ?? 0)
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    if (this.historyLog !== null && this.started) {
      try {
        await this.historyLog.close()
      } catch (err) {
        this.tally.error(`could not write ${this.historyLog.path}: ${(err as Error).message}`)
        throw err
      }
    }
  }

  /** Appends pending points to the log, and compacts it when it holds twice what memory does. */
  private async persist (): Promise<void> {
    const log = this.historyLog
    if (log === null || !this.started || this.closed) return
    try {
      await log.flush()
      this.logWritable = true
      if (!this.compacting && log.loggedPoints > 2 * this.total + 50_000) {
        this.compacting = true
        try {
          await log.compact(() => this.snapshot())
        } finally {
          this.compacting = false
        }
      }
    } catch (err) {
      this.logWritable = false
      this.tally.error(`could not write ${log.path}: ${(err as Error).message}`)
      this.options.log?.warn({ err, path: log.path }, 'telemetry history log write failed')
      throw err
    }
  }

  private snapshot (): LogSnapshotSeries[] {
    const out: LogSnapshotSeries[] = []
    for (const s of this.series.values()) {
      out.push({ id: s.id, measurement: s.measurement, tags: s.tags, ts: s.ts.slice(), fields: s.fields.slice() })
    }
    return out
  }

  private seriesFor (measurement: string, tags: Record<string, string>, id?: number): Series {
    const key = seriesKey(measurement, tags)
    let s = this.series.get(key)
    if (s === undefined) {
      s = { id: id ?? this.nextId++, key, measurement, tags: { ...tags }, tagsKey: tagsKey(tags), ts: [], fields: [] }
      this.series.set(key, s)
      let set = this.byMeasurement.get(measurement)
      if (set === undefined) this.byMeasurement.set(measurement, set = new Set())
      set.add(s)
      if (id === undefined) this.historyLog?.defineSeries(s)
    }
    return s
  }

  /** Inserts in time order; the same ts replaces the fields it names. Then applies the bounds. */
  private insert (s: Series, ts: number, fields: Record<string, FieldValue>): void {
    const n = s.ts.length
    if (n === 0 || ts > (s.ts[n - 1] as number)) {
      s.ts.push(ts)
      s.fields.push(fields)
      this.total++
    } else {
      const i = lowerBound(s.ts, ts)
      if (s.ts[i] === ts) {
        s.fields[i] = { ...s.fields[i], ...fields }
        return
      }
      s.ts.splice(i, 0, ts)
      s.fields.splice(i, 0, fields)
      this.total++
    }
    if (s.ts.length > this.maxPerSeries) {
      const excess = s.ts.length - this.maxPerSeries
      s.ts.splice(0, excess)
      s.fields.splice(0, excess)
      this.total -= excess
      this.tally.dropped += excess
    }
    if (this.total > this.maxTotal) this.evictOldest()
  }

  /**
   * Drops the oldest points across all series until 1 % below the total bound, so that the scan
   * over series is paid once per 1 % of the bound rather than once per point.
   */
  private evictOldest (): void {
    const target = this.maxTotal - Math.max(1, Math.floor(this.maxTotal / 100))
    let toDrop = this.total - target
    // Find the cut-off time: a min-heap of series by their oldest point, popped one point at a time.
    const heap = new SeriesHeap()
    const cut = new Map<Series, number>()
    for (const s of this.series.values()) if (s.ts.length > 0) heap.push(s, s.ts[0] as number)
    while (toDrop > 0 && heap.size > 0) {
      const s = heap.popMin()
      const dropped = (cut.get(s) ?? 0) + 1
      cut.set(s, dropped)
      toDrop--
      if (dropped < s.ts.length) heap.push(s, s.ts[dropped] as number)
    }
    for (const [s, count] of cut) {
      s.ts.splice(0, count)
      s.fields.splice(0, count)
      this.total -= count
      this.tally.dropped += count
    }
  }
}

/** A binary min-heap of series keyed by a timestamp. */
class SeriesHeap {
  private readonly items: Array<{ s: Series, ts: number }> = []

  get size (): number {
    return this.items.length
  }

  push (s: Series, ts: number): void {
    const items = this.items
    items.push({ s, ts })
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if ((items[parent] as { ts: number }).ts <= ts) break
      items[i] = items[parent] as { s: Series, ts: number }
      i = parent
    }
    items[i] = { s, ts }
  }

  popMin (): Series {
    const items = this.items
    const top = items[0] as { s: Series, ts: number }
    const last = items.pop() as { s: Series, ts: number }
    if (items.length > 0) {
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        let mTs = last.ts
        if (l < items.length && (items[l] as { ts: number }).ts < mTs) { m = l; mTs = (items[l] as { ts: number }).ts }
        if (r < items.length && (items[r] as { ts: number }).ts < mTs) { m = r }
        if (m === i) break
        items[i] = items[m] as { s: Series, ts: number }
        i = m
      }
      items[i] = last
    }
    return top.s
  }
}
