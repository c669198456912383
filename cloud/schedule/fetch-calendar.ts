// Fetches an iCalendar file from a URL for the schedule import: http(s) only (webcal:// is read as
// https://, as calendar apps do), an optional list of allowed hosts, a timeout, and a size bound
// that is enforced while reading — a huge or endless response is cut off, not buffered.
export class CalendarFetchError extends Error {
  constructor (readonly kind: 'url' | 'forbidden-host' | 'http' | 'too-large' | 'timeout' | 'network', message: string, readonly status?: number) {
    super(message)
    this.name = 'CalendarFetchError'
  }
}

export interface FetchCalendarOptions {
  timeoutMs: number
  maxBytes: number
  /** When given, only these host names may be fetched from. */
  allowHosts?: readonly string[]
  signal?: AbortSignal
}

export function calendarUrl (raw: string, allowHosts?: readonly string[]): URL {
  let url: URL
  try {
    url = new URL(raw.replace(/^webcals?:\/\//i, 'https://'))
  } catch {
    throw new CalendarFetchError('url', `"${raw.slice(0, 200)}" is not a URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CalendarFetchError('url', `only http(s) calendar URLs can be imported, not ${url.protocol}`)
  if (allowHosts !== undefined && !allowHosts.includes(url.hostname)) {
    throw new CalendarFetchError('forbidden-host', `the host ${url.hostname} is not in scheduleImport.allowHosts (${allowHosts.join(', ') || 'empty'})`)
  }
  return url
}

/** The calendar's text. Throws CalendarFetchError. */
export async function fetchCalendar (raw: string, o: FetchCalendarOptions): Promise<string> {
  const url = calendarUrl(raw, o.allowHosts)
  const signals = [AbortSignal.timeout(o.timeoutMs), ...(o.signal !== undefined ? [o.signal] : [])]
  let res: Response
  try {
    res = await fetch(url, { headers: { accept: 'text/calendar, text/plain;q=0.5, */*;q=0.1', 'user-agent': 'helserom-hub' }, signal: AbortSignal.any(signals), redirect: 'follow' })
  } catch (err) {
    throw fetchFailure(err, url)
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {})
    throw new CalendarFetchError('http', `${url.host} answered HTTP ${res.status}`, res.status)
  }
  const declared = Number(res.headers.get('content-length') ?? NaN)
  if (Number.isFinite(declared) && declared > o.maxBytes) {
    await res.body?.cancel().catch(() => {})
    throw new CalendarFetchError('too-large', `the calendar is ${declared} bytes; at most ${o.maxBytes} are accepted`)
  }
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    const reader = res.body?.getReader()
    if (reader !== undefined) {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        size += value.byteLength
        if (size > o.maxBytes) {
          await reader.cancel().catch(() => {})
          throw new CalendarFetchError('too-large', `the calendar is larger than ${o.maxBytes} bytes`)
        }
        chunks.push(value)
      }
    }
  } catch (err) {
    if (err instanceof CalendarFetchError) throw err
    throw fetchFailure(err, url)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function fetchFailure (err: unknown, url: URL): CalendarFetchError {
  const e = err as Error & { cause?: { code?: string } }
  if (e.name === 'TimeoutError') return new CalendarFetchError('timeout', `${url.host} did not answer in time`)
  return new CalendarFetchError('network', `could not fetch the calendar from ${url.host}: ${e.cause?.code ?? e.message}`)
}
