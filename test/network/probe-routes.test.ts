// The hub's probe endpoints: the clock, the download of N incompressible bytes, the upload answered
// with progress while it arrives, the bounds, and the authorize hook — with app.inject() where the
// request is whole, and a listening server where the streaming matters.
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import { request } from 'node:http'
import { probeRoutes, type ProbeRoutesOptions } from '../../cloud/probe/index.js'
import { steadyRateMbps, ThroughputProbe } from '../../gateway/network/throughput-probe.js'

async function app (t: Test, options: ProbeRoutesOptions = {}): Promise<FastifyInstance> {
  const a = Fastify({ forceCloseConnections: true })
  await a.register(probeRoutes, options)
  t.teardown(async () => await a.close())
  return a
}

async function listening (t: Test, options: ProbeRoutesOptions = {}): Promise<string> {
  const a = await app(t, options)
  await a.listen({ host: '127.0.0.1', port: 0 })
  return `http://127.0.0.1:${(a.server.address() as { port: number }).port}`
}

t.test('GET /probe/time gives the hub\'s clock', async (t) => {
  const a = await app(t)
  const before = Date.now()
  const res = await a.inject({ method: 'GET', url: '/probe/time' })
  t.equal(res.statusCode, 200)
  const ts = res.json<{ ts: number }>().ts
  t.ok(ts >= before && ts <= Date.now())
})

t.test('GET /probe/download sends exactly the bytes asked for, random and uncached', async (t) => {
  const a = await app(t, { maxBytes: 1_000_000 })
  const res = await a.inject({ method: 'GET', url: '/probe/download?bytes=300000' })
  t.equal(res.statusCode, 200)
  t.equal(res.rawPayload.length, 300_000)
  t.equal(res.headers['cache-control'], 'no-store')
  const distinct = new Set(res.rawPayload.subarray(0, 4096)).size
  t.ok(distinct > 200, 'bytes look random (incompressible)')
  t.equal((await a.inject({ method: 'GET', url: '/probe/download?bytes=2000000' })).statusCode, 400, 'over maxBytes')
  t.equal((await a.inject({ method: 'GET', url: '/probe/download?bytes=abc' })).statusCode, 400)
})

t.test('POST /probe/upload answers NDJSON ending with what arrived', async (t) => {
  const a = await app(t)
  const res = await a.inject({ method: 'POST', url: '/probe/upload', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(200_000) })
  t.equal(res.statusCode, 200)
  const lines = res.payload.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
  t.match(lines[lines.length - 1], { done: true, bytes: 200_000 })
  t.equal((await a.inject({ method: 'POST', url: '/probe/upload', headers: { 'content-type': 'application/json' }, payload: '{}' })).statusCode, 415, 'only octet-stream')
})

t.test('an upload larger than maxBytes is cut, and says so', async (t) => {
  const a = await app(t, { maxBytes: 100_000 })
  t.equal((await a.inject({ method: 'POST', url: '/probe/upload', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(200_000) })).statusCode, 413, 'declared too large')
  const base = await listening(t, { maxBytes: 100_000 })
  // A client that keeps sending: the answer says it was cut, and the connection is closed.
  const answer = await new Promise<string>((resolve) => {
    let body = ''
    const req = request(`${base}/probe/upload`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' } }, (res) => {
      res.setEncoding('utf8').on('data', (text: string) => { body += text }).on('error', () => {})
    })
    req.on('error', () => {})
    const pump = setInterval(() => { if (!req.destroyed) req.write(Buffer.alloc(16_384)) }, 5)
    req.on('close', () => { clearInterval(pump); resolve(body) })
  })
  t.match(answer, /"error":"more than 100000 bytes"/)
})

t.test('too many transfers at once get 503 with Retry-After', async (t) => {
  const base = await listening(t, { maxConcurrent: 1 })
  const first = await new Promise<import('node:http').IncomingMessage>((resolve) => request(`${base}/probe/download?bytes=30000000`, resolve).end())
  first.pause()
  const second = await new Promise<import('node:http').IncomingMessage>((resolve) => request(`${base}/probe/download?bytes=1000`, resolve).end())
  t.equal(second.statusCode, 503)
  t.equal(second.headers['retry-after'], '5')
  second.resume()
  first.destroy()
})

t.test('authorize can close the endpoints', async (t) => {
  const a = await app(t, { authorize: (req) => req.headers.authorization === 'Basic cm9kb3ktMTpzM2NyZXQ=' })
  t.equal((await a.inject({ method: 'GET', url: '/probe/time' })).statusCode, 401)
  t.equal((await a.inject({ method: 'GET', url: '/probe/time', headers: { authorization: 'Basic cm9kb3ktMTpzM2NyZXQ=' } })).statusCode, 200)
})

t.test('bad options are refused with a sentence', async (t) => {
  await t.rejects(app(t, { maxBytes: -1 }), /maxBytes must be a positive number/)
})

t.test('the gateway\'s throughput probe against the real endpoints (loopback)', async (t) => {
  const base = await listening(t)
  const result = await new ThroughputProbe({ baseUrl: base, maxDurationMs: 600, maxBytes: 8 * 1024 * 1024 }).run()
  t.ok(result.up.mbps !== null && result.up.mbps > 0, `upload measured (${result.up.mbps})`)
  t.ok(result.down.mbps !== null && result.down.mbps > 0, `download measured (${result.down.mbps})`)
  t.ok(result.up.bytes <= 8 * 1024 * 1024 && result.down.bytes <= 8 * 1024 * 1024, 'bounded by maxBytes')
  const refused = await new ThroughputProbe({ baseUrl: 'http://127.0.0.1:9', maxDurationMs: 300, maxBytes: 65_536, connectTimeoutMs: 500 }).run()
  t.equal(refused.up.mbps, null)
  t.match(refused.up.error, /upload to the hub failed/)
  t.match(refused.down.error, /download from the hub failed/)
})

t.test('the steady rate leaves out the start of a transfer', async (t) => {
  // A slow first 500 ms (ramp-up), then 1 MB/s = 8 Mbit/s.
  const points = [{ ms: 0, bytes: 0 }, { ms: 500, bytes: 10_000 }, { ms: 1500, bytes: 1_010_000 }, { ms: 2500, bytes: 2_010_000 }]
  t.equal(steadyRateMbps(points), 8)
  t.equal(steadyRateMbps([{ ms: 0, bytes: 0 }]), null)
})

t.test('a hub that parses octet-stream bodies elsewhere keeps doing so; the probe streams its own', async (t) => {
  const a = Fastify()
  a.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => { done(null, body) })
  a.post('/elsewhere', async (req) => ({ buffer: Buffer.isBuffer(req.body) }))
  await a.register(probeRoutes, {})
  t.teardown(async () => await a.close())
  const upload = await a.inject({ method: 'POST', url: '/probe/upload', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(1000) })
  t.match(upload.payload, /"done":true,"bytes":1000/)
  const elsewhere = await a.inject({ method: 'POST', url: '/elsewhere', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(10) })
  t.same(elsewhere.json(), { buffer: true })
})
