// The naming and value rules every telemetry store applies, in one place so that both stores accept
// and refuse exactly the same points and queries. Names are checked against narrow patterns rather
// than escaped, because a name reaches InfluxDB's line protocol, InfluxQL identifiers and Grafana
// panels; a tag value is the one free text that reaches a query, and it is quoted (influxql.ts).
import { InvalidQueryError, Measurements, type FieldValue, type HistoryQuery, type TelemetryPoint } from './telemetry-store.js'

export const MEASUREMENT_PATTERN = /^[a-z_]{1,64}$/
export const FIELD_PATTERN = /^[A-Za-z0-9_]{1,100}$/
/** `measurement.field`, e.g. `network.rttMs`. */
export const METRIC_PATTERN = /^[a-z_]+\.[A-Za-z0-9_]+$/
export const TAG_KEY_PATTERN = /^[a-z][A-Za-z0-9_]{0,63}$/
/**
 * Printable, no backslash: a backslash would escape the separator after it in InfluxDB's line
 * protocol (node-influx does not escape it), and control characters have no place in a room name.
 */
// eslint-disable-next-line no-control-regex
const TAG_VALUE_PATTERN = /^[^\u0000-\u001f\u007f\\]{1,256}$/
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/
/** InfluxDB refuses a field or tag called `time`. */
const RESERVED = new Set(['time'])
export const MAX_TEXT_LENGTH = 1024
export const MAX_FIELDS = 200
export const MAX_TAGS = 16
export const MAX_QUERY_POINTS = 100_000

export function isTagValue (value: string): boolean {
  return TAG_VALUE_PATTERN.test(value)
}

/**
 * Returns the point as it will be stored (tags and fields copied), or the reason it is refused.
 * `clinical` false refuses clinical readings whatever the caller sends.
 */
export function checkPoint (point: TelemetryPoint, clinical: boolean): TelemetryPoint | string {
  if (point === null || typeof point !== 'object') return 'not a point'
  const { measurement, tags, fields, ts } = point
  if (typeof measurement !== 'string' || !MEASUREMENT_PATTERN.test(measurement)) return `measurement "${String(measurement).slice(0, 80)}" is not [a-z_]`
  if (measurement === Measurements.reading && !clinical) return 'clinical readings are not kept (store.clinical is false)'
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts <= 0) return `${measurement}: ts ${String(ts)} is not a positive integer of ms`
  const outTags: Record<string, string> = {}
  const tagEntries = Object.entries(tags ?? {})
  if (tagEntries.length > MAX_TAGS) return `${measurement}: more than ${MAX_TAGS} tags`
  for (const [key, value] of tagEntries) {
    if (!TAG_KEY_PATTERN.test(key) || RESERVED.has(key)) return `${measurement}: tag key "${key.slice(0, 80)}" is not valid`
    if (typeof value !== 'string' || !isTagValue(value)) return `${measurement}: tag ${key} has a value that is empty, too long or holds a control character or backslash`
    outTags[key] = value
  }
  const outFields: Record<string, FieldValue> = {}
  const fieldEntries = Object.entries(fields ?? {})
  if (fieldEntries.length === 0) return `${measurement}: no fields`
  if (fieldEntries.length > MAX_FIELDS) return `${measurement}: more than ${MAX_FIELDS} fields`
  for (const [key, value] of fieldEntries) {
    if (!FIELD_PATTERN.test(key) || RESERVED.has(key)) return `${measurement}: field name "${key.slice(0, 80)}" is not [A-Za-z0-9_]`
    if (key in outTags) return `${measurement}: "${key}" is both a tag and a field`
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return `${measurement}: field ${key} is not a finite number`
    } else if (typeof value === 'string') {
      if (value.length > MAX_TEXT_LENGTH || CONTROL.test(value)) return `${measurement}: text field ${key} is too long or holds a control character`
    } else if (typeof value !== 'boolean') {
      return `${measurement}: field ${key} is neither a number, text nor a boolean`
    }
    outFields[key] = value
  }
  return { measurement, tags: outTags, fields: outFields, ts }
}

export interface CheckedQuery {
  measurement: string
  field: string
  tags: Array<[string, string]>
  from: number
  to: number
  maxPoints: number | undefined
}

/** Validates a history query; throws InvalidQueryError saying what is wrong. */
export function checkQuery (query: HistoryQuery): CheckedQuery {
  const { metric, tags, from, to, maxPoints } = query
  if (typeof metric !== 'string' || metric.length > 200 || !METRIC_PATTERN.test(metric)) {
    throw new InvalidQueryError(`metric "${String(metric).slice(0, 80)}" is not measurement.field (e.g. network.rttMs)`)
  }
  const dot = metric.indexOf('.')
  const measurement = metric.slice(0, dot)
  const field = metric.slice(dot + 1)
  if (!MEASUREMENT_PATTERN.test(measurement) || !FIELD_PATTERN.test(field) || RESERVED.has(field)) {
    throw new InvalidQueryError(`metric "${metric.slice(0, 80)}" is not measurement.field (e.g. network.rttMs)`)
  }
  const tagList: Array<[string, string]> = []
  for (const [key, value] of Object.entries(tags ?? {})) {
    if (!TAG_KEY_PATTERN.test(key) || RESERVED.has(key)) throw new InvalidQueryError(`tag key "${key.slice(0, 80)}" is not valid`)
    // A value is quoted, not matched against a pattern, but a control character has no meaning here.
    if (typeof value !== 'string' || value.length > 256 || CONTROL.test(value)) {
      throw new InvalidQueryError(`tag ${key} has a value that is too long or holds a control character`)
    }
    tagList.push([key, value])
  }
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to < from) {
    throw new InvalidQueryError(`time range ${String(from)}..${String(to)} is not two integers of ms with from <= to`)
  }
  if (maxPoints !== undefined && (!Number.isInteger(maxPoints) || maxPoints < 1 || maxPoints > MAX_QUERY_POINTS)) {
    throw new InvalidQueryError(`maxPoints ${String(maxPoints)} is not an integer between 1 and ${MAX_QUERY_POINTS}`)
  }
  return { measurement, field, tags: tagList, from, to, maxPoints }
}

/** A canonical text of a tag set, used to sort series the same way in every store. */
export function tagsKey (tags: Record<string, string>): string {
  return Object.keys(tags).sort().map((k) => `${k}=${tags[k] ?? ''}`).join(',')
}
