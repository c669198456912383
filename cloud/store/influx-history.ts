// The InfluxDB store's read side: a HistoryQuery becomes InfluxQL (influxql.ts), reading raw points
// inside the raw retention and the 5-minute means before it, and `maxPoints` buckets computed by
// InfluxDB with the same arithmetic as the embedded store (downsample.ts): sum and count per bucket,
// so that a bucket spanning both retention policies still gets an exact mean.
import type { InfluxDB } from 'influx'
import { bucketWidth } from './downsample.js'
import { ident, selectLast, selectRaw, selectSumCount, type SeriesSource } from './influxql.js'
import { DOWNSAMPLED_RP, RAW_RP } from './influx-schema.js'
import { checkQuery, tagsKey, type CheckedQuery } from './point-rules.js'
import type { FieldValue, HistoryPoint, HistoryQuery, HistorySeries } from './telemetry-store.js'

const DAY_MS = 86_400_000

type Part = SeriesSource & { field: string, raw: boolean }
type SeriesMap = Map<string, { tags: Record<string, string>, points: HistoryPoint[] }>

export class InfluxHistory {
  private readonly fieldTypes = new Map<string, { type: string, at: number }>()

  constructor (
    private readonly influx: InfluxDB,
    private readonly db: string,
    private readonly retentionDays: number,
    private readonly requestTimeoutMs: number
  ) {}

  async query (query: HistoryQuery): Promise<HistorySeries[]> {
    const q = checkQuery(query)
    const horizon = Date.now() - this.retentionDays * DAY_MS
    // Oldest first: the 5-minute means before the raw horizon, then raw points.
    const parts: Part[] = []
    const base = { db: this.db, measurement: q.measurement, tags: q.tags }
    if (q.from < horizon) parts.push({ ...base, rp: DOWNSAMPLED_RP, field: `mean_${q.field}`, from: q.from, to: Math.min(q.to, horizon - 1), raw: false })
    if (q.to >= horizon) parts.push({ ...base, rp: RAW_RP, field: q.field, from: Math.max(q.from, horizon), to: q.to, raw: true })

    const series: SeriesMap = new Map()
    const limit = q.maxPoints !== undefined ? q.maxPoints + 1 : undefined
    for (const part of parts) {
      for (const row of await this.select(selectRaw(part, part.field, limit))) {
        const entry = series.get(row.key) ?? { tags: row.tags, points: [] }
        series.set(row.key, entry)
        for (const [ts, value] of row.values) if (value !== null) entry.points.push({ ts, value: value as FieldValue })
      }
    }
    if (q.maxPoints !== undefined) {
      const over = new Set([...series].filter(([, s]) => s.points.length > (q.maxPoints as number)).map(([key]) => key))
      if (over.size > 0) await this.downsampleInto(series, over, parts, q)
    }
    return [...series.entries()]
      .filter(([, s]) => s.points.length > 0)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, s]) => ({ metric: query.metric, tags: s.tags, points: s.points }))
  }

  /** Replaces the points of the `over` series by one point per bucket, computed by InfluxDB. */
  private async downsampleInto (
    series: SeriesMap,
    over: Set<string>,
    parts: Part[],
    q: CheckedQuery
  ): Promise<void> {
    const width = bucketWidth(q.from, q.to, q.maxPoints as number)
    const type = await this.fieldType(q.measurement, q.field)
    const buckets = new Map<string, Map<number, { sum: number, count: number, last: FieldValue | null }>>()
    for (const part of parts) {
      // Text and booleans exist only raw; the 5-minute means are numbers.
      const numeric = !part.raw || (type !== 'string' && type !== 'boolean')
      if (!numeric && !part.raw) continue
      const statement = numeric ? selectSumCount(part, part.field, width, q.from) : selectLast(part, part.field, width, q.from)
      for (const row of await this.select(statement)) {
        if (!over.has(row.key)) continue
        const perSeries = buckets.get(row.key) ?? new Map()
        buckets.set(row.key, perSeries)
        for (const [ts, ...values] of row.values) {
          const b = perSeries.get(ts) ?? { sum: 0, count: 0, last: null }
          if (numeric) {
            b.sum += Number(values[0] ?? 0)
            b.count += Number(values[1] ?? 0)
          } else {
            b.last = (values[0] ?? null) as FieldValue | null
          }
          perSeries.set(ts, b)
        }
      }
    }
    for (const key of over) {
      const entry = series.get(key)
      if (entry === undefined) continue
      const perSeries = buckets.get(key) ?? new Map()
      entry.points = [...perSeries.entries()]
        .sort(([a], [b]) => a - b)
        .map(([ts, b]) => ({ ts, value: b.count > 0 ? b.sum / b.count : b.last }))
    }
  }

  /** Runs a SELECT and returns its series with tags (empty ones removed) and [ts, ...values] rows. */
  async select (statement: string, method: 'GET' | 'POST' = 'GET'): Promise<Array<{ key: string, tags: Record<string, string>, values: Array<[number, ...unknown[]]> }>> {
    const answer = await this.influx.queryRaw(statement, { database: this.db, precision: 'ms', method, signal: AbortSignal.timeout(this.requestTimeoutMs) }) as {
      results?: Array<{ error?: string, series?: Array<{ tags?: Record<string, string>, values?: Array<[number, ...unknown[]]> }> }>
    }
    const result = answer.results?.[0]
    if (result?.error !== undefined) throw new Error(`InfluxDB refused a query: ${result.error}`)
    return (result?.series ?? []).map((s) => {
      const tags: Record<string, string> = {}
      for (const [k, v] of Object.entries(s.tags ?? {})) if (v !== '') tags[k] = v
      return { key: tagsKey(tags), tags, values: s.values ?? [] }
    })
  }

  /** The InfluxDB type of a raw field (float, integer, string, boolean), cached for a minute. */
  private async fieldType (measurement: string, field: string): Promise<string | undefined> {
    const key = `${measurement}.${field}`
    const cached = this.fieldTypes.get(key)
    if (cached !== undefined && Date.now() - cached.at < 60_000) return cached.type
    const answer = await this.influx.queryRaw(`SHOW FIELD KEYS ON ${ident(this.db)} FROM ${ident(RAW_RP)}.${ident(measurement)}`, { database: this.db, signal: AbortSignal.timeout(this.requestTimeoutMs) }) as {
      results?: Array<{ series?: Array<{ values?: Array<[string, string]> }> }>
    }
    for (const [name, type] of answer.results?.[0]?.series?.[0]?.values ?? []) {
      this.fieldTypes.set(`${measurement}.${name}`, { type, at: Date.now() })
    }
    return this.fieldTypes.get(key)?.type
  }
}
