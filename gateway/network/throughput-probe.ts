// The throughput test against the hub's probe endpoints: an upload, then a download, each a few
// seconds or a few MB, whichever comes first. Both are bounded so a test never holds a rural link
// for long: the upload keeps about a second of data in flight (paced by the hub's progress lines,
// so little is left queued when time is up), and the download hangs up at its deadline.
// Each rate is taken from the steady part of the transfer (after the first 20 %, at most 0.5 s),
// like iperf3's --omit, so TCP's start does not count against the link.
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { performance } from 'node:perf_hooks'
import { linearFit } from '../../protocol/linear-fit.js'

export interface ThroughputOptions {
  /** Base URL of the probe endpoints, e.g. http://hub:8080 */
  baseUrl: string
  maxDurationMs: number
  maxBytes: number
  /** Extra request headers (e.g. Authorization). */
  headers?: Record<string, string>
  /** PEM of a private CA for an https hub. */
  ca?: string | Buffer
  /** How long connecting and the first answer may take (default 5 s). */
  connectTimeoutMs?: number
}

export interface DirectionResult {
  /** Mbit/s of payload, or null when it failed or was too short to tell. */
  mbps: number | null
  bytes: number
  ms: number
  error?: string
  /** The hub's HTTP status when it refused the transfer (e.g. 401: it did not accept our credentials). */
  status?: number
}

export interface ThroughputResult {
  up: DirectionResult
  down: DirectionResult
}

/** A (time, bytes so far) point of a transfer, as seen where the data arrives. */
export interface ProgressPoint { ms: number, bytes: number }

/**
 * Mbit/s over the steady part (after min(500 ms, 20 % of the span)): the least-squares slope of
 * bytes over time, so that data arriving in chunks (64 kB reads, 100 ms progress lines) does not
 * make the figure depend on where the first and last chunk fell.
 */
export function steadyRateMbps (points: readonly ProgressPoint[]): number | null {
  if (points.length < 2) return null
  const last = points[points.length - 1]!
  const first = points[0]!
  const skip = Math.min(500, 0.2 * (last.ms - first.ms))
  let steady = points.filter((p) => p.ms - first.ms >= skip)
  if (steady.length < 2) steady = points.slice(-2)
  const fit = linearFit(steady.map((p) => ({ at: p.ms, value: p.bytes })))
  if (fit === null || fit.slope <= 0) return null
  return (fit.slope * 8) / 1000
}

const CHUNK = Buffer.alloc(64 * 1024)
const MIN_IN_FLIGHT = 64 * 1024
const MAX_IN_FLIGHT = 16 * 1024 * 1024
const IN_FLIGHT_MS = 1000

export class ThroughputProbe {
  constructor (private readonly o: ThroughputOptions) {
    // Random bytes: a compressing link or proxy must not make the upload look faster than it is.
    for (let i = 0; i < CHUNK.length; i += 4) CHUNK.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, i)
  }

  async run (): Promise<ThroughputResult> {
    const up = await this.upload()
    const down = await this.download()
    return { up, down }
  }

  private request (method: 'GET' | 'POST', path: string, headers: Record<string, string>): ClientRequest {
    const url = new URL(this.o.baseUrl + path)
    const make = url.protocol === 'https:' ? httpsRequest : httpRequest
    return make(url, {
      method,
      agent: false, // a connection of its own, closed at the end: nothing of the test lingers
      headers: { ...this.o.headers, ...headers },
      ...(this.o.ca !== undefined ? { ca: this.o.ca } : {})
    })
  }

  /** Streams random bytes to /probe/upload; the hub measures what arrives and reports as it goes. */
  async upload (): Promise<DirectionResult> {
    const started = performance.now()
    const deadline = started + this.o.maxDurationMs
    const req = this.request('POST', '/probe/upload', { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' })
    const points: ProgressPoint[] = []
    let acked = 0
    let final: { bytes: number, error?: string } | null = null
    let failure: string | null = null
    let status: number | undefined
    let wake: () => void = () => {}
    const wakeUp = (): void => { const w = wake; wake = () => {}; w() }

    const answered = new Promise<void>((resolve) => {
      req.once('response', (res: IncomingMessage) => {
        if (res.statusCode !== 200) {
          status = res.statusCode
          failure = `the hub answered ${res.statusCode ?? '?'} to the upload`
          res.resume()
          wakeUp()
          resolve()
          return
        }
        let buffered = ''
        res.setEncoding('utf8')
        res.on('data', (text: string) => {
          buffered += text
          let nl: number
          while ((nl = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, nl)
            buffered = buffered.slice(nl + 1)
            try {
              const m = JSON.parse(line) as { bytes?: number, ms?: number, done?: boolean, error?: string }
              if (typeof m.bytes === 'number') acked = m.bytes
              if (m.done === true) final = { bytes: m.bytes ?? acked, ...(m.error !== undefined ? { error: m.error } : {}) }
              if (typeof m.bytes === 'number' && typeof m.ms === 'number' && m.bytes > 0) points.push({ ms: m.ms, bytes: m.bytes })
            } catch { /* not a line of ours */ }
          }
          wakeUp()
        })
        res.once('end', () => { wakeUp(); resolve() })
        res.on('error', () => { wakeUp(); resolve() })
      })
      req.on('error', (err) => { failure ??= `upload to the hub failed: ${err.message}`; wakeUp(); resolve() })
    })
    const connectTimer = setTimeout(() => { if (acked === 0 && final === null) req.destroy(new Error('no answer in time')) }, (this.o.connectTimeoutMs ?? 5000) + this.o.maxDurationMs)

    let written = 0
    let windowBytes = MIN_IN_FLIGHT
    req.on('drain', wakeUp)
    while (failure === null && final === null && performance.now() < deadline && written < this.o.maxBytes) {
      const rate = steadyRateMbps(points)
      if (rate !== null) windowBytes = Math.min(MAX_IN_FLIGHT, Math.max(MIN_IN_FLIGHT, (rate * 1000 / 8) * IN_FLIGHT_MS))
      if (written - acked >= windowBytes || req.writableNeedDrain) {
        await Promise.race([new Promise<void>((resolve) => { wake = resolve }), sleepMs(Math.max(1, deadline - performance.now()))])
        continue
      }
      const n = Math.min(CHUNK.length, this.o.maxBytes - written)
      req.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))
      written += n
    }
    req.end()
    await Promise.race([answered, sleepMs(this.o.connectTimeoutMs ?? 5000)])
    clearTimeout(connectTimer)
    req.destroy()
    const ms = performance.now() - started
    const f = final as { bytes: number, error?: string } | null
    if (failure !== null) return { mbps: null, bytes: acked, ms, error: failure, ...(status !== undefined ? { status } : {}) }
    if (f === null) return { mbps: null, bytes: acked, ms, error: 'the hub did not confirm the upload' }
    return { mbps: steadyRateMbps(points), bytes: f.bytes, ms, ...(f.error !== undefined ? { error: f.error } : {}) }
  }

  /** Reads /probe/download until the deadline or maxBytes, then hangs up. */
  async download (): Promise<DirectionResult> {
    const started = performance.now()
    const req = this.request('GET', `/probe/download?bytes=${this.o.maxBytes}`, {})
    const points: ProgressPoint[] = []
    let bytes = 0
    let firstAt: number | null = null
    let error: string | undefined
    let status: number | undefined
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { error = 'the download did not start in time'; req.destroy(); resolve() }, (this.o.connectTimeoutMs ?? 5000) + this.o.maxDurationMs)
      req.once('response', (res: IncomingMessage) => {
        if (res.statusCode !== 200) {
          status = res.statusCode
          error = `the hub answered ${res.statusCode ?? '?'} to the download`
          clearTimeout(timer)
          res.resume()
          res.once('end', resolve)
          return
        }
        let deadline = Infinity
        res.on('data', (chunk: Buffer) => {
          const at = performance.now()
          if (firstAt === null) { firstAt = at; deadline = at + this.o.maxDurationMs }
          bytes += chunk.length
          points.push({ ms: at - firstAt, bytes })
          if (at >= deadline) {
            clearTimeout(timer)
            req.destroy()
            resolve()
          }
        })
        res.once('end', () => { clearTimeout(timer); resolve() })
        res.on('error', () => { clearTimeout(timer); resolve() })
      })
      req.on('error', (err) => {
        error ??= `download from the hub failed: ${err.message}`
        clearTimeout(timer)
        resolve()
      })
      req.end()
    })
    req.destroy()
    // The first chunk only marks the start: the bytes after it are what the time carried.
    const shifted = points.length > 0 ? points.map((p) => ({ ms: p.ms, bytes: p.bytes - points[0]!.bytes })) : points
    const mbps = error !== undefined && bytes === 0 ? null : steadyRateMbps(shifted)
    return { mbps, bytes, ms: performance.now() - started, ...(error !== undefined && bytes === 0 ? { error } : {}), ...(status !== undefined ? { status } : {}) }
  }
}

async function sleepMs (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}
