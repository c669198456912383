// InfluxQL text the InfluxDB store sends, built in one place. Identifiers have already passed the
// narrow patterns of point-rules.ts and are double-quoted anyway; the one free text, a tag value, is
// a single-quoted string literal with `\` and `'` escaped (InfluxQL's scanner reads `\\` and `\'`).
// node-influx's `escape.stringLit` escapes only the quote, so a value ending in a backslash would
// close the literal early: it is not used here.

export function ident (name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

export function stringLiteral (value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

export interface SeriesSource {
  db: string
  rp: string
  measurement: string
  tags: ReadonlyArray<readonly [string, string]>
  from: number
  to: number
}

function fromWhere (s: SeriesSource): string {
  const conditions = [
    `time >= ${s.from}ms`,
    `time <= ${s.to}ms`,
    ...s.tags.map(([k, v]) => `${ident(k)} = ${stringLiteral(v)}`)
  ]
  return `FROM ${ident(s.db)}.${ident(s.rp)}.${ident(s.measurement)} WHERE ${conditions.join(' AND ')}`
}

/** Points of one field as stored, every series apart; at most `limit` per series when given. */
export function selectRaw (s: SeriesSource, field: string, limit?: number): string {
  const where = fromWhere(s)
  return `SELECT ${ident(field)} AS value ${where} GROUP BY *${limit !== undefined ? ` LIMIT ${limit}` : ''}`
}

/** Per bucket (width ms, starting at `bucketsFrom`): sum and count of a numeric field. */
export function selectSumCount (s: SeriesSource, field: string, width: number, bucketsFrom: number): string {
  const where = fromWhere(s)
  return `SELECT sum(${ident(field)}) AS sum, count(${ident(field)}) AS count ${where} GROUP BY time(${width}ms, ${bucketsFrom % width}ms), * fill(none)`
}

/** Per bucket: the last value of a text or boolean field. */
export function selectLast (s: SeriesSource, field: string, width: number, bucketsFrom: number): string {
  const where = fromWhere(s)
  return `SELECT last(${ident(field)}) AS value ${where} GROUP BY time(${width}ms, ${bucketsFrom % width}ms), * fill(none)`
}

/** The body of the downsampling continuous query: 5-minute means of every numeric field of every measurement. */
export function downsampleSelect (db: string, rawRp: string, longRp: string, bucket: string, where?: string): string {
  return `SELECT mean(*) INTO ${ident(db)}.${ident(longRp)}.:MEASUREMENT FROM ${ident(db)}.${ident(rawRp)}./.*/` +
    `${where !== undefined ? ` WHERE ${where}` : ''} GROUP BY time(${bucket}), *`
}
