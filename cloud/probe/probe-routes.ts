// The hub's HTTP endpoints for the gateways' throughput test and clock check, as one fastify plugin:
//   GET  /probe/download?bytes=N  N bytes of incompressible data (the gateway stops reading when it
//                                 has measured enough and hangs up)
//   POST /probe/upload            an application/octet-stream body of any length up to maxBytes; the
//                                 answer is NDJSON streamed *while* the body comes in: a progress line
//                                 `{bytes, ms}` every 100 ms, so the gateway keeps only a little in
//                                 flight, and a last line `{done, bytes, measuredBytes, ms, mbps}`
//                                 measured here, where the data arrives
//   GET  /probe/time              `{ts}`, the hub's clock, for the gateway's clock check
// The routes are public by default, like /healthz: they carry no data. An `authorize` hook can
// restrict them (the hub: to gateways' credentials, cloud/auth/gateway-basic-auth.ts); when it names
// the caller, each caller has at most `maxPerCaller` transfers at once, so that one room cannot take
// every slot. Transfers are bounded in size, in time and in how many run at once, so the endpoints
// cannot be used to keep the hub's link busy.
// Note: a reverse proxy in front of the hub must pass request bodies through unbuffered (nginx:
// `proxy_request_buffering off`), or the upload is measured against the proxy, not the room's link.
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { PassThrough, Readable } from 'node:stream'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'

export interface ProbeRoutesOptions {
  /** Largest download or upload in bytes (default 32 MiB). */
  maxBytes?: number
  /** Transfers at once over all gateways (default 4); more get 503 with Retry-After. */
  maxConcurrent?: number
  /** A transfer still running after this is cut (default 20 s). */
  maxDurationMs?: number
  /** How often the upload answer reports progress (default 100 ms). */
  progressEveryMs?: number
  /**
   * Decides whether a request may use the probe endpoints (default: everyone may): false → 401;
   * true → allowed; a string → allowed, and names the caller (e.g. the gateway's user name).
   */
  authorize?: (request: FastifyRequest) => boolean | string | Promise<boolean | string>
  /** Transfers at once per named caller (default 1). */
  maxPerCaller?: number
}

export const UploadResult = Type.Object({
  done: Type.Literal(true),
  bytes: Type.Integer({ description: 'bytes received' }),
  measuredBytes: Type.Integer({ description: 'bytes after the first chunk, the ones the rate is measured on' }),
  ms: Type.Number({ description: 'from the first chunk to the last, in ms' }),
  mbps: Type.Union([Type.Number(), Type.Null()], { description: 'measuredBytes over ms, Mbit/s; null if too short to tell' }),
  error: Type.Optional(Type.String())
})
export type UploadResult = Static<typeof UploadResult>

const DownloadQuery = Type.Object({
  bytes: Type.Integer({ minimum: 1, description: 'how many bytes to send' })
})

const TimeResponse = Type.Object({ ts: Type.Integer({ description: 'the hub\'s clock, ms since epoch (UTC)' }) })

/** Random bytes, sent over and over: no link or proxy on the way can compress them. */
const BLOCK_BYTES = 256 * 1024

function errorReply (reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } })
}

export const probeRoutes: FastifyPluginAsync<ProbeRoutesOptions> = async (app, opts) => {
  const maxBytes = opts.maxBytes ?? 32 * 1024 * 1024
  const maxConcurrent = opts.maxConcurrent ?? 4
  const maxDurationMs = opts.maxDurationMs ?? 20_000
  const progressEveryMs = opts.progressEveryMs ?? 100
  const maxPerCaller = opts.maxPerCaller ?? 1
  for (const [name, value] of Object.entries({ maxBytes, maxConcurrent, maxDurationMs, progressEveryMs, maxPerCaller })) {
    if (!Number.isFinite(value) || value <= 0) throw new TypeError(`probeRoutes: ${name} must be a positive number, got ${String(value)}`)
  }
  if (opts.authorize !== undefined && typeof opts.authorize !== 'function') throw new TypeError('probeRoutes: authorize must be a function')
  const block = randomBytes(BLOCK_BYTES)
  let running = 0
  /** Transfers running per named caller. */
  const runningBy = new Map<string, number>()
  /** The caller authorize named for a request. */
  const callers = new WeakMap<FastifyRequest, string>()

  // The body is handed over as the raw stream: it is counted, never kept (in this plugin's scope
  // only; a parser the hub has for the type elsewhere is left alone there).
  if (app.hasContentTypeParser('application/octet-stream')) app.removeContentTypeParser('application/octet-stream')
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => { done(null, payload) })

  if (opts.authorize !== undefined) {
    const authorize = opts.authorize
    app.addHook('onRequest', async (request, reply) => {
      const verdict = await authorize(request)
      if (verdict === false) {
        return await errorReply(reply.header('www-authenticate', 'Basic realm="helserom probe", charset="UTF-8"'), 401, 'unauthorized', 'the probe endpoints need gateway credentials')
      }
      if (typeof verdict === 'string') callers.set(request, verdict)
    })
  }

  /** Claims a transfer slot, or answers 503; the slot is given back when the answer is done. */
  const claim = (request: FastifyRequest, reply: FastifyReply): boolean => {
    const caller = callers.get(request)
    const mine = caller !== undefined ? runningBy.get(caller) ?? 0 : 0
    if (running >= maxConcurrent || mine >= maxPerCaller) {
      const why = running >= maxConcurrent ? 'too many throughput tests at once' : `${caller ?? ''} already has a throughput test running`
      void errorReply(reply.header('retry-after', '5'), 503, 'unavailable', `${why}; try again shortly`)
      return false
    }
    running++
    if (caller !== undefined) runningBy.set(caller, mine + 1)
    let released = false
    reply.raw.once('close', () => {
      if (released) return
      released = true
      running--
      if (caller === undefined) return
      const left = (runningBy.get(caller) ?? 1) - 1
      if (left > 0) runningBy.set(caller, left)
      else runningBy.delete(caller)
    })
    return true
  }

  app.get('/probe/time', {
    schema: { summary: 'The hub\'s clock, for the gateways\' clock check', tags: ['probe'], response: { 200: TimeResponse } }
  }, async () => ({ ts: Date.now() }))

  app.get<{ Querystring: Static<typeof DownloadQuery> }>('/probe/download', {
    schema: {
      summary: 'Incompressible bytes for the gateways\' download test',
      tags: ['probe'],
      querystring: DownloadQuery,
      produces: ['application/octet-stream']
    }
  }, async (request, reply) => {
    const bytes = request.query.bytes
    if (bytes > maxBytes) return await errorReply(reply, 400, 'bad_request', `bytes must be at most ${maxBytes}`)
    if (!claim(request, reply)) return reply
    let left = bytes
    let offset = 0
    const body = new Readable({
      read () {
        if (left <= 0) { this.push(null); return }
        const n = Math.min(left, BLOCK_BYTES - offset, 64 * 1024)
        left -= n
        const chunk = block.subarray(offset, offset + n)
        offset = (offset + n) % BLOCK_BYTES
        this.push(chunk)
      }
    })
    const cut = setTimeout(() => body.destroy(), maxDurationMs)
    cut.unref()
    reply.raw.once('close', () => { clearTimeout(cut); body.destroy() })
    return await reply
      .header('content-length', String(bytes))
      .header('cache-control', 'no-store')
      .type('application/octet-stream')
      .send(body)
  })

  app.post('/probe/upload', {
    schema: {
      summary: 'Receives the gateways\' upload test; answers NDJSON progress while the body arrives',
      tags: ['probe'],
      consumes: ['application/octet-stream'],
      produces: ['application/x-ndjson']
    }
  }, async (request, reply) => {
    const body = request.body
    if (!(body instanceof Readable)) return await errorReply(reply, 415, 'unsupported_media_type', 'send the upload as application/octet-stream')
    const declared = Number(request.headers['content-length'] ?? NaN)
    if (declared > maxBytes) return await errorReply(reply, 413, 'payload_too_large', `at most ${maxBytes} bytes`)
    if (!claim(request, reply)) return reply

    const out = new PassThrough()
    let bytes = 0
    let firstAt: number | null = null
    let firstBytes = 0
    let lastAt = 0
    let finished = false
    const progress = setInterval(() => out.write(JSON.stringify({ bytes, ms: firstAt === null ? 0 : lastAt - firstAt }) + '\n'), progressEveryMs)
    const finish = (error?: string): void => {
      if (finished) return
      finished = true
      clearInterval(progress)
      clearTimeout(cut)
      const ms = firstAt === null ? 0 : lastAt - firstAt
      const measuredBytes = bytes - firstBytes
      const result: UploadResult = {
        done: true, bytes, measuredBytes, ms, mbps: ms > 0 ? (measuredBytes * 8) / (ms * 1000) : null, ...(error !== undefined ? { error } : {})
      }
      out.end(JSON.stringify(result) + '\n')
      // A cut upload: the answer goes out first, then the connection is closed (the rest is discarded).
      if (error !== undefined) setTimeout(() => body.destroy(), 1000).unref()
    }
    const cut = setTimeout(() => finish('the upload took too long'), maxDurationMs)
    cut.unref()
    body.on('data', (chunk: Buffer) => {
      if (finished) return
      const at = performance.now()
      if (firstAt === null) { firstAt = at; firstBytes = chunk.length }
      lastAt = at
      bytes += chunk.length
      if (bytes > maxBytes) finish(`more than ${maxBytes} bytes`)
    })
    body.once('end', () => finish())
    body.once('error', () => finish('the upload broke off'))
    body.once('close', () => finish(body.readableEnded ? undefined : 'the upload broke off'))
    reply.raw.once('close', () => { clearInterval(progress); clearTimeout(cut) })
    return await reply.header('cache-control', 'no-store').type('application/x-ndjson').send(out)
  })
}
