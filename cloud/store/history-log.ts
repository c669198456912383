// The embedded store's persistence: an append-only log of the points it accepted, replayed at start,
// rewritten ("compacted") from memory when it has grown to about twice what memory holds.
//
// Why a log and not a periodic snapshot: a snapshot rewrites the whole history every period even when
// a handful of points arrived, and a crash loses everything since the last one; the log costs each
// point once (appended within flushIntervalMs), loses at most that interval on a crash, and pays the
// full rewrite only once per "live size" of new points. Evicted points stay in the log until the
// next compaction; replay applies the same bounds again, so they are evicted again.
//
// Lines: `{"s":id,"m":measurement,"t":tags}` defines a series; `[id,ts,fields]` is a point.
import { rename, open, rm, stat, truncate, type FileHandle } from 'node:fs/promises'
import { scanLines } from './line-file.js'
import type { FieldValue } from './telemetry-store.js'

export interface LogSeries {
  id: number
  measurement: string
  tags: Record<string, string>
}

export interface LogSnapshotSeries extends LogSeries {
  ts: readonly number[]
  fields: ReadonlyArray<Record<string, FieldValue>>
}

export interface ReplayHandler {
  series: (series: LogSeries) => void
  point: (id: number, ts: number, fields: Record<string, FieldValue>) => void
}

export interface ReplayResult {
  points: number
  maxSeriesId: number
  /** Lines that could not be read (counted, skipped). */
  corrupt: number
  /** Bytes of a torn last record that were cut off. */
  tornBytes: number
}

/** Text is written in chunks of about this size during compaction, yielding between them. */
const CHUNK_CHARS = 1 << 20

export class HistoryLog {
  private fh: FileHandle | null = null
  private lines: string[] = []
  private pendingPointLines = 0
  private chain: Promise<void> = Promise.resolve()
  /** Point lines in the file (including replaced and evicted ones), for deciding when to compact. */
  loggedPoints = 0

  constructor (readonly path: string) {}

  /** Point lines accepted but not yet appended to the file. */
  get pendingPoints (): number {
    return this.pendingPointLines
  }

  /** Replays an existing log (cutting a torn last record) and opens it for appending. */
  async open (handler: ReplayHandler): Promise<ReplayResult> {
    const result: ReplayResult = { points: 0, maxSeriesId: 0, corrupt: 0, tornBytes: 0 }
    let exists = true
    try {
      await stat(this.path)
    } catch {
      exists = false
    }
    if (exists) {
      const scan = await scanLines(this.path, (line) => {
        try {
          const value = JSON.parse(line) as unknown
          if (Array.isArray(value)) {
            const [id, ts, fields] = value as [number, number, Record<string, FieldValue>]
            if (typeof id !== 'number' || typeof ts !== 'number' || typeof fields !== 'object' || fields === null) throw new Error('bad point')
            handler.point(id, ts, fields)
            result.points++
          } else if (typeof value === 'object' && value !== null) {
            const { s, m, t } = value as { s: number, m: string, t: Record<string, string> }
            if (typeof s !== 'number' || typeof m !== 'string' || typeof t !== 'object' || t === null) throw new Error('bad series')
            handler.series({ id: s, measurement: m, tags: t })
            result.maxSeriesId = Math.max(result.maxSeriesId, s)
          } else {
            throw new Error('neither a series nor a point')
          }
        } catch {
          result.corrupt++
        }
      })
      if (scan.tornBytes > 0) await truncate(this.path, scan.goodBytes)
      result.tornBytes = scan.tornBytes
    }
    this.loggedPoints = result.points
    this.fh = await open(this.path, 'a')
    return result
  }

  defineSeries (series: LogSeries): void {
    this.lines.push(JSON.stringify({ s: series.id, m: series.measurement, t: series.tags }))
  }

  point (id: number, ts: number, fields: Record<string, FieldValue>): void {
    this.lines.push(JSON.stringify([id, ts, fields]))
    this.pendingPointLines++
  }

  /** Appends what is pending. Operations run one after another, never interleaved. */
  async flush (): Promise<void> {
    await this.enqueue(async () => { await this.appendPending() })
  }

  /**
   * Rewrites the log from `snapshot` (taken by the caller at the moment this runs, so it already
   * holds every point of the pending lines): write a temp file, fsync, rename over the log.
   * Points accepted while it writes stay pending and go into the new file.
   */
  async compact (snapshot: () => LogSnapshotSeries[]): Promise<void> {
    await this.enqueue(async () => {
      const series = snapshot()
      // Everything pending until now is inside the snapshot.
      this.lines = []
      this.pendingPointLines = 0
      const tmp = `${this.path}.compact`
      const out = await open(tmp, 'w')
      let points = 0
      try {
        let chunk = ''
        for (const s of series) {
          chunk += JSON.stringify({ s: s.id, m: s.measurement, t: s.tags }) + '\n'
          for (let i = 0; i < s.ts.length; i++) {
            chunk += JSON.stringify([s.id, s.ts[i], s.fields[i]]) + '\n'
            points++
            if (chunk.length >= CHUNK_CHARS) {
              await out.write(chunk)
              chunk = ''
            }
          }
        }
        if (chunk.length > 0) await out.write(chunk)
        await out.sync()
      } catch (err) {
        await out.close()
        await rm(tmp, { force: true })
        throw err
      }
      await out.close()
      await rename(tmp, this.path)
      await this.fh?.close()
      this.fh = await open(this.path, 'a')
      this.loggedPoints = points
    })
  }

  async close (): Promise<void> {
    await this.enqueue(async () => {
      await this.appendPending()
      await this.fh?.sync()
      await this.fh?.close()
      this.fh = null
    })
  }

  private async appendPending (): Promise<void> {
    if (this.lines.length === 0 || this.fh === null) return
    const lines = this.lines
    const points = this.pendingPointLines
    this.lines = []
    this.pendingPointLines = 0
    try {
      await this.fh.write(lines.join('\n') + '\n')
      this.loggedPoints += points
    } catch (err) {
      // Keep them for the next attempt (in front of what came meanwhile), so nothing is skipped.
      this.lines = lines.concat(this.lines)
      this.pendingPointLines += points
      throw err
    }
  }

  private async enqueue (op: () => Promise<void>): Promise<void> {
    const run = this.chain.then(op)
    this.chain = run.catch(() => {})
    await run
  }
}
