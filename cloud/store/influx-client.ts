// Talking to InfluxDB 1.x: the store URL, the node-influx client, and what its errors mean. The
// client does not retry and never takes a host out of its pool: the store runs one backoff of its
// own, so that recovery follows InfluxDB coming back, not a second timer inside the library.
import { InfluxDB } from 'influx'

export interface InfluxTarget {
  protocol: 'http' | 'https'
  host: string
  port: number
  /** Path before the database segment (a reverse proxy's prefix), usually ''. */
  path: string
  database: string
  username?: string
  password?: string
}

/** Parses `http(s)://[user:pass@]host[:port][/prefix]/database`; throws with a message a person understands. */
export function parseInfluxUrl (url: string): InfluxTarget {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new TypeError(`store.url "${url}" is not a URL (expected e.g. http://127.0.0.1:8086/helserom)`)
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`store.url must be http:// or https://, not ${u.protocol}`)
  const segments = u.pathname.split('/').filter((s) => s !== '')
  const database = decodeURIComponent(segments.pop() ?? '')
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(database)) throw new TypeError(`store.url "${u.origin}${u.pathname}" must end in a database name ([A-Za-z0-9_-]), e.g. /helserom`)
  const target: InfluxTarget = {
    protocol: u.protocol === 'https:' ? 'https' : 'http',
    host: u.hostname.replace(/^\[|\]$/g, ''),
    // URL drops a port that is the scheme's default (:80, :443); read it from the text instead, and
    // default to InfluxDB's own port when none is written.
    port: Number(/^[a-z]+:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/]*):(\d+)/i.exec(url)?.[1] ?? 8086),
    path: segments.length > 0 ? '/' + segments.join('/') : '',
    database
  }
  if (u.username !== '') target.username = decodeURIComponent(u.username)
  if (u.password !== '') target.password = decodeURIComponent(u.password)
  return target
}

/** The pool re-enables a failed host only after its own backoff; the store runs its own, so never disable. */
const neverDisableHost = {
  getDelay: () => 0,
  next () { return this },
  reset () { return this }
}

/** A node-influx client for `target` that fails fast: no retries, requests time out after `requestTimeoutMs`. */
export function createInfluxClient (target: InfluxTarget, requestTimeoutMs: number): InfluxDB {
  return new InfluxDB({
    host: target.host,
    port: target.port,
    protocol: target.protocol,
    path: target.path,
    database: target.database,
    ...(target.username !== undefined ? { username: target.username, password: target.password ?? '' } : {}),
    pool: { maxRetries: 0, requestTimeout: requestTimeoutMs, backoff: neverDisableHost }
  })
}

/** The HTTP status of a node-influx RequestError (4xx), or undefined for no answer / a 5xx. */
export function statusOf (err: unknown): number | undefined {
  const res = (err as { res?: { statusCode?: number } } | null)?.res
  return typeof res?.statusCode === 'number' ? res.statusCode : undefined
}

/** An error as one line for health and logs. */
export function describe (err: unknown): string {
  const e = err as { message?: string, code?: string }
  const text = e?.message !== undefined && e.message !== '' ? e.message : String(e?.code ?? err)
  return text.slice(0, 500)
}

/** Errors that say "try later": no answer, a 5xx, a refused connection, a timeout. */
export function isUnreachable (err: unknown): boolean {
  const status = statusOf(err)
  if (status !== undefined) return status >= 500
  return true
}
