// The InfluxDB layout the store relies on, made to match the config at every start: the database,
// `raw` (the default retention policy, kept retentionDays), `downsampled` (kept
// downsampledRetentionDays) and the continuous query that fills it with 5-minute means of every
// numeric field of every measurement. Points that arrive too late for the continuous query get
// their buckets recomputed by the store with `recomputeMeansStatement`.
import type { InfluxDB } from 'influx'
import { bucketStart } from './downsample.js'
import { downsampleSelect, ident } from './influxql.js'
import { describe, isUnreachable, statusOf } from './influx-client.js'

export const RAW_RP = 'raw'
export const DOWNSAMPLED_RP = 'downsampled'
export const DOWNSAMPLE_CQ = 'downsample_5m'
export const DOWNSAMPLE_BUCKET_MS = 5 * 60_000
/** Each run of the continuous query recomputes this much, so points arriving a little late are included. */
const CQ_RESAMPLE = 'RESAMPLE EVERY 5m FOR 15m'
/** Points older than this when written are past the continuous query's reach. */
export const LATE_MS = 10 * 60_000

export interface SchemaSettings {
  db: string
  retentionDays: number
  downsampledRetentionDays: number
}

/**
 * Creates or alters what is missing or different. Throws when InfluxDB is unreachable or the
 * credentials are wrong (nothing would work); returns the reason when InfluxDB refused a step
 * otherwise (e.g. a user without admin rights on a database IT made): writing may still work.
 */
export async function ensureSchema (influx: InfluxDB, { db, retentionDays, downsampledRetentionDays }: SchemaSettings): Promise<string | null> {
  try {
    await influx.createDatabase(db)
    const policies = await influx.showRetentionPolicies(db)
    for (const [name, days, isDefault] of [[RAW_RP, retentionDays, true], [DOWNSAMPLED_RP, downsampledRetentionDays, false]] as const) {
      const duration = `${days * 24}h0m0s`
      const existing = policies.find((p) => p.name === name)
      const options = { database: db, duration: `${days}d`, replication: 1, isDefault }
      if (existing === undefined) await influx.createRetentionPolicy(name, options)
      else if (existing.duration !== duration || existing.default !== isDefault) await influx.alterRetentionPolicy(name, options)
    }
    const body = downsampleSelect(db, RAW_RP, DOWNSAMPLED_RP, '5m')
    try {
      await influx.createContinuousQuery(DOWNSAMPLE_CQ, body, db, CQ_RESAMPLE)
    } catch (err) {
      if (!/already exists/.test(describe(err))) throw err
      // A continuous query cannot be altered: a changed one is dropped and made again.
      await influx.dropContinuousQuery(DOWNSAMPLE_CQ, db)
      await influx.createContinuousQuery(DOWNSAMPLE_CQ, body, db, CQ_RESAMPLE)
    }
    return null
  } catch (err) {
    if (isUnreachable(err) || statusOf(err) === 401) throw err
    return `could not set up database ${db}: ${describe(err)}`
  }
}

/** Recomputes the 5-minute means of one measurement's buckets that hold [from, to] (SELECT … INTO: send by POST). */
export function recomputeMeansStatement (db: string, measurement: string, from: number, to: number): string {
  const start = bucketStart(from, 0, DOWNSAMPLE_BUCKET_MS)
  const end = bucketStart(to, 0, DOWNSAMPLE_BUCKET_MS) + DOWNSAMPLE_BUCKET_MS
  return `SELECT mean(*) INTO ${ident(db)}.${ident(DOWNSAMPLED_RP)}.:MEASUREMENT FROM ${ident(db)}.${ident(RAW_RP)}.${ident(measurement)} ` +
    `WHERE time >= ${start}ms AND time < ${end}ms GROUP BY time(5m), *`
}
