// The gateway's side of the hub's probe authentication: every /probe request (throughput upload and
// download, the clock) carries HTTP Basic auth with the gateway's hub credentials (hub.username, by
// default the room id, and hub.password); a hub that refuses them (401) is a clear reason in
// readiness and in the pre-session check, not a bandwidth that silently stays unmeasured.
import t, { type Test } from 'tap'
import Fastify from 'fastify'
import { ProbeEchoServer, probeRoutes } from '../../cloud/probe/index.js'
import { askHubClock } from '../../gateway/check/clock-evidence.js'
import { hubProbeAuth } from '../../gateway/network/hub-credentials.js'
import type { Gateway } from '../../gateway/gateway.js'
import type { CheckReport } from '../../protocol/messages.js'
import { waitFor } from '../helpers/index.js'
import { roomConfig, startGateway } from '../gateway/room-fixture.js'

const need = { minUpMbps: 1, minDownMbps: 1, maxRttMs: 100, maxJitterMs: 30, maxLossPct: 1, videoStreams: 1 }
const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

/** The hub's probe services, accepting one gateway's credentials, and what each request carried. */
async function hub (t: Test, accepts: { username: string, password: string }): Promise<{ url: string, seen: Array<{ path: string, authorization: string | undefined }> }> {
  const seen: Array<{ path: string, authorization: string | undefined }> = []
  const app = Fastify({ forceCloseConnections: true })
  await app.register(probeRoutes, {
    authorize: (request) => {
      seen.push({ path: request.url.split('?')[0]!, authorization: request.headers.authorization })
      return request.headers.authorization === basic(accepts.username, accepts.password)
    }
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const port = (app.server.address() as { port: number }).port
  const echo = new ProbeEchoServer({ host: '127.0.0.1', port })
  await echo.start()
  t.teardown(async () => { await echo.stop(); await app.close() })
  return { url: `http://127.0.0.1:${port}`, seen }
}

async function room (t: Test, hubUrl: string, credentials: { username?: string, password?: string }): Promise<Gateway> {
  const config = roomConfig(t, {
    room: 'rodoy-1',
    hub: { url: 'mqtt://127.0.0.1:1', http: hubUrl, ...credentials },
    profiles: { ortopedi: { label: { nb: 'Ortopedi', en: 'Orthopaedics' }, requires: [], network: need } },
    network: { intervalMs: 1000, throughput: { maxDurationMs: 500, maxBytes: 1024 * 1024 } },
    check: { startupGraceSeconds: 0 }
  })
  return await startGateway(t, config, {})
}

async function runCheck (gateway: Gateway): Promise<CheckReport> {
  const result = await gateway.runCommand('check.run', { id: 'auth-check', ts: Date.now() })
  if (!result.ok) throw new Error(`check.run failed: ${JSON.stringify(result.error)}`)
  return result.result as CheckReport
}

t.test('the gateway\'s credentials (username defaults to the room id) go with every /probe request', async (t) => {
  const probe = await hub(t, { username: 'rodoy-1', password: 'riktig-passord' })
  const gateway = await room(t, probe.url, { password: 'riktig-passord' })
  await waitFor('bandwidth measured', () => gateway.network?.throughputSource === 'test' ? gateway.network : undefined, { timeoutMs: 20_000 })
  const report = await runCheck(gateway)
  const paths = new Set(probe.seen.map((s) => s.path))
  t.ok(paths.has('/probe/upload') && paths.has('/probe/download') && paths.has('/probe/time'), `asked: ${[...paths].join(', ')}`)
  t.same(probe.seen.filter((s) => s.authorization !== basic('rodoy-1', 'riktig-passord')), [], 'every request with Basic rodoy-1:…')
  t.match(report.steps.find((s) => s.name === 'network.throughput'), { passed: true })
  t.type(report.steps.find((s) => s.name === 'clock')?.value, 'number', 'the hub\'s clock was read')
  t.notOk(gateway.readiness?.reasons.some((r) => r.code === 'network.hub-refused'))
})

t.test('a hub that refuses the credentials: named in readiness and in the check, in both languages', async (t) => {
  const probe = await hub(t, { username: 'rodoy-1', password: 'riktig-passord' })
  const gateway = await room(t, probe.url, { username: 'rodoy-1', password: 'feil-passord' })
  const refused = await waitFor('the refusal in readiness', () => gateway.readiness?.reasons.find((r) => r.code === 'network.hub-refused'), { timeoutMs: 20_000 })
  t.equal(refused.level, 'amber')
  t.equal(refused.message.nb, 'Sykehusets server godtar ikke innloggingen fra boksen, så båndbredden kan ikke måles — kontakt IT')
  t.match(refused.message.en, /^The hub refused the gateway's credentials/)
  t.equal(gateway.network?.upMbps, null, 'no figure made up')

  const report = await runCheck(gateway)
  t.equal(report.passed, false)
  const throughput = report.steps.find((s) => s.name === 'network.throughput')!
  t.match(throughput, { passed: false, unverified: true, reason: { code: 'check.hub-refused', level: 'amber' } })
  t.equal(throughput.reason?.message.nb, refused.message.nb)
  const clock = report.steps.find((s) => s.name === 'clock')!
  // The hub's clock was refused too; whether the step passes depends on whether this machine says it is synchronised.
  t.equal(clock.value, null, 'the hub\'s clock could not be read')
  if (!clock.passed) t.match(clock, { unverified: true, reason: { code: 'check.hub-refused' } })
  t.ok(gateway.readiness?.reasons.some((r) => r.message.nb === `Sjekk før timen: ${refused.message.nb}`), 'and on the light, from the check')
})

t.test('the clock question carries the credentials and tells a refusal from no answer', async (t) => {
  const probe = await hub(t, { username: 'donna-1', password: 'hemmelig' })
  const right = await askHubClock(probe.url, hubProbeAuth({ room: 'donna-1', hub: { url: 'mqtt://x', password: 'hemmelig' } }))
  t.equal(right.refused, false)
  t.ok(right.offsetMs !== null && Math.abs(right.offsetMs) < 1000, `offset ${right.offsetMs} ms`)
  t.same(await askHubClock(probe.url, hubProbeAuth({ room: 'donna-1', hub: { url: 'mqtt://x', username: 'andre', password: 'hemmelig' } })), { offsetMs: null, refused: true })
  t.same(await askHubClock('http://127.0.0.1:9'), { offsetMs: null, refused: false }, 'nothing there: not a refusal')
})
