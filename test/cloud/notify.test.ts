// The notifier against real HTTP receivers (node:http on loopback): the generic JSON body and its
// signature, Teams cards, retry with backoff on 5xx / 429 / refused connections, no retry on 4xx,
// order per target, a failing target that does not hold up the others, bounded queues, and a
// close() that aborts what is in flight. Retry delays are shortened; nothing asserts on timing.
import { createHmac } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Registry } from 'prom-client'
import t from 'tap'
import type { Incident } from '../../cloud/incidents/incident.js'
import { notifyTargets } from '../../cloud/notify/config.js'
import { makeNotification, type Notification } from '../../cloud/notify/notification.js'
import { Notifier, retryAfter, type DeliveryResult } from '../../cloud/notify/notifier.js'
import { adaptiveCard, messageCard } from '../../cloud/notify/payloads.js'
import { peakSeverity, routeByConfig } from '../../cloud/notify/route.js'
import { freePort, testLogger, waitFor, type Teardown } from '../helpers/index.js'

interface Hit { headers: IncomingMessage['headers'], raw: string, body: any }
type Answer = number | 'hang' | ((res: ServerResponse) => void)

/** A receiver answering each request with the next planned answer (then 200). */
async function receiver (t: Teardown, plan: Answer[] = []): Promise<{ url: string, hits: Hit[], release: () => void }> {
  const hits: Hit[] = []
  const hanging: ServerResponse[] = []
  const server = createServer((req, res) => {
    let raw = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => { raw += c })
    req.on('end', () => {
      hits.push({ headers: req.headers, raw, body: JSON.parse(raw) })
      const answer = plan.shift() ?? 200
      if (answer === 'hang') { hanging.push(res); return }
      if (typeof answer === 'function') return answer(res)
      res.writeHead(answer).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => { server.closeAllConnections(); await new Promise((resolve) => server.close(resolve)) })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    hits,
    release: () => { for (const res of hanging.splice(0)) res.writeHead(200).end() }
  }
}

function incident (over: Partial<Incident> = {}): Incident {
  return {
    id: 'i-abc-0001',
    key: 'rodoy-1:device.down:cam-1',
    room: 'rodoy-1',
    roomName: 'Helserom Rødøy',
    cause: 'device.down:cam-1',
    rule: 'deviceDown',
    device: 'cam-1',
    deviceName: 'Kamera',
    state: 'open',
    severity: 'critical',
    title: { nb: 'Helserom Rødøy: Kamera virker ikke', en: 'Helserom Rødøy: Kamera is not working' },
    detail: { nb: 'Kamera svarer ikke.', en: 'Kamera is not responding.' },
    consultation: { id: 'c-1', start: Date.UTC(2026, 10, 24, 8, 30), minutes: 30, profile: 'ortopedi' },
    openedAt: Date.UTC(2026, 10, 24, 8, 20),
    updatedAt: Date.UTC(2026, 10, 24, 8, 20),
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    reopenCount: 0,
    quiet: false,
    notifiedAt: null,
    history: [{ at: Date.UTC(2026, 10, 24, 8, 20), event: 'opened', severity: 'critical' }],
    ...over
  }
}

const at = Date.UTC(2026, 10, 24, 8, 21)
const note = (event: Notification['event'] = 'opened', over: Partial<Incident> = {}): Notification => makeNotification(event, incident(over), at, 'https://hub.example/')

function notifier (t: Teardown, targets: unknown[], extra: Partial<ConstructorParameters<typeof Notifier>[0]> = {}): { n: Notifier, results: DeliveryResult[] } {
  const results: DeliveryResult[] = []
  const n = new Notifier({ targets: notifyTargets(targets), log: testLogger(), baseDelayMs: 5, maxDelayMs: 50, onResult: (r) => results.push(r), ...extra })
  t.teardown(async () => await n.close())
  return { n, results }
}

t.test('generic webhook: the documented JSON body, delivery headers and an HMAC signature', async (t) => {
  const hook = await receiver(t)
  const secret = 'a-shared-secret-of-some-length'
  const { n, results } = notifier(t, [{ kind: 'webhook', url: hook.url, secret, name: 'vakt' }])
  t.same(n.notify(note()), ['vakt'])
  await waitFor('the delivery', () => results.length === 1)
  const hit = hook.hits[0]!
  t.equal(hit.headers['content-type'], 'application/json; charset=utf-8')
  t.equal(hit.headers['x-helserom-event'], 'opened')
  t.match(hit.headers['x-helserom-delivery'], /^[0-9a-f]{24}$/)
  t.equal(hit.headers['x-helserom-signature'], `sha256=${createHmac('sha256', secret).update(hit.raw).digest('hex')}`, 'signed over the exact body')
  t.match(hit.body, {
    type: 'helserom.incident',
    version: 1,
    event: 'opened',
    at,
    headline: { nb: '[Kritisk] Helserom Rødøy: Kamera virker ikke', en: '[Critical] Helserom Rødøy: Kamera is not working' },
    incident: { id: 'i-abc-0001', room: 'rodoy-1', roomName: 'Helserom Rødøy', deviceName: 'Kamera', severity: 'critical', historyLength: 1 },
    link: 'https://hub.example/#incident/i-abc-0001'
  })
  t.notOk('history' in hit.body.incident, 'the history stays at the hub')
  t.match(results[0], { target: 'vakt', kind: 'webhook', outcome: 'sent', attempts: 1, status: 200, error: null })
})

t.test('teams: an Adaptive Card by default, a MessageCard on request, bokmål first', async (t) => {
  const hook = await receiver(t)
  const { n, results } = notifier(t, [{ kind: 'teams', url: hook.url }, { kind: 'teams', url: hook.url, format: 'messagecard' }])
  t.same(n.notify(note('reminder')), ['teams-1', 'teams-2'])
  await waitFor('two deliveries', () => results.length === 2)
  const adaptive = hook.hits.find((h) => h.body.type === 'message')!.body
  const card = adaptive.attachments[0]
  t.equal(card.contentType, 'application/vnd.microsoft.card.adaptive')
  t.equal(card.content.type, 'AdaptiveCard')
  t.equal(card.content.body[0].text, 'Påminnelse: ikke kvittert · Reminder: not acknowledged')
  t.equal(card.content.body[1].text, '[Kritisk] Helserom Rødøy: Kamera virker ikke')
  t.equal(card.content.body[1].color, 'attention')
  t.same(card.content.body[3].facts.map((f: { title: string }) => f.title), ['Rom / Room', 'Utstyr / Device', 'Alvorlighet / Severity', 'Status / State', 'Åpnet / Opened', 'Konsultasjon / Consultation'])
  t.equal(card.content.body[3].facts[5].value, '09:30 (ortopedi)', 'a clock time in Oslo time (the same day as the notification)')
  t.equal(card.content.actions[0].url, 'https://hub.example/#incident/i-abc-0001')
  const legacy = hook.hits.find((h) => h.body['@type'] === 'MessageCard')!.body
  t.match(legacy, { '@context': 'https://schema.org/extensions', themeColor: 'D13438', title: '[Kritisk] Helserom Rødøy: Kamera virker ikke', summary: '[Kritisk] Helserom Rødøy: Kamera virker ikke' })
  t.equal(legacy.sections[1].title, '[Critical] Helserom Rødøy: Kamera is not working')
  const resolved = adaptiveCard(note('resolved', { state: 'resolved', severity: 'info' }), 'Europe/Oslo') as any
  t.equal(resolved.attachments[0].content.body[1].color, 'good', 'a resolution is green')
  t.equal((messageCard(note('resolved'), 'Europe/Oslo') as any).themeColor, '107C10')
})

t.test('retries with backoff on 5xx, 429 (Retry-After) and timeouts, then succeeds; in order', async (t) => {
  const hook = await receiver(t, [500, 503, (res) => res.writeHead(429, { 'retry-after': '0' }).end()])
  const registry = new Registry()
  const { n, results } = notifier(t, [{ kind: 'webhook', url: hook.url }], { registry })
  n.notify(note('opened'))
  n.notify(note('resolved'))
  await waitFor('both delivered', () => results.length === 2)
  t.same(results.map((r) => [r.notification.event, r.outcome, r.attempts]), [['opened', 'sent', 4], ['resolved', 'sent', 1]], 'the second waits for the first')
  t.same(hook.hits.map((h) => h.body.event), ['opened', 'opened', 'opened', 'opened', 'resolved'])
  t.same(new Set(hook.hits.slice(0, 4).map((h) => h.headers['x-helserom-delivery'])).size, 1, 'a retry carries the same delivery id')
  const metric = await registry.getSingleMetric('helserom_hub_notifications_total')!.get()
  t.same(metric.values.map((v) => `${String(v.labels.outcome)}=${v.value}`).sort(), ['retried=3', 'sent=2'])
})

t.test('no retry on 4xx (the receiver refuses it for good); a refused connection is retried, then given up', async (t) => {
  const bad = await receiver(t, [400])
  const port = await freePort() // nothing listens there
  const { n, results } = notifier(t, [{ kind: 'webhook', url: bad.url, name: 'bad' }, { kind: 'webhook', url: `http://127.0.0.1:${port}/hook`, name: 'gone', maxAttempts: 3 }])
  n.notify(note())
  await waitFor('both outcomes', () => results.length === 2)
  const by = Object.fromEntries(results.map((r) => [r.target, r]))
  t.match(by.bad, { outcome: 'failed', attempts: 1, status: 400, error: 'HTTP 400 (after 1 attempt)' })
  t.match(by.gone, { outcome: 'failed', attempts: 3, status: null, error: /^ECONNREFUSED \(after 3 attempts\)$/ })
})

t.test('a slow target delays only its own queue; a full queue drops reminders first; close() aborts and reports', async (t) => {
  const slow = await receiver(t, ['hang'])
  const fast = await receiver(t)
  const { n, results } = notifier(t, [{ kind: 'webhook', url: slow.url, name: 'slow', timeoutMs: 60_000 }, { kind: 'webhook', url: fast.url, name: 'fast' }], { queueLimit: 3 })
  n.notify(note('opened'))
  await waitFor('the slow target to hold the first', () => slow.hits.length === 1)
  n.notify(note('reminder'))
  n.notify(note('escalated'))
  n.notify(note('acknowledged')) // the slow queue is full: the reminder goes
  await waitFor('the fast target to get all four', () => fast.hits.length === 4)
  t.same(fast.hits.map((h) => h.body.event), ['opened', 'reminder', 'escalated', 'acknowledged'], 'the fast target is not held up')
  t.same(results.filter((r) => r.outcome === 'dropped').map((r) => `${r.target} ${r.notification.event} ${r.error}`), ['slow reminder the queue of slow is full (3)'])
  t.equal(n.pending, 3, 'the slow queue holds three')
  await n.close()
  t.same(results.filter((r) => r.target === 'slow').map((r) => `${r.notification.event} ${r.outcome}`), ['reminder dropped', 'opened dropped', 'escalated dropped', 'acknowledged dropped'], 'what was still queued is reported as dropped')
  t.equal(n.pending, 0)
  t.same(n.notify(note()), [], 'a closed notifier takes nothing')
  slow.release()
})

t.test('who is told: rooms, minSeverity and events from the config; or a route function of your own', async (t) => {
  const targets = notifyTargets([
    { kind: 'webhook', url: 'http://127.0.0.1:1/a', name: 'all' },
    { kind: 'webhook', url: 'http://127.0.0.1:1/b', name: 'donna', rooms: ['donna-1'] },
    { kind: 'teams', url: 'http://127.0.0.1:1/c', name: 'critical', minSeverity: 'critical', events: ['opened', 'escalated', 'resolved'] }
  ])
  const names = (n: Notification): string[] => routeByConfig(n, targets).map((x) => x.name!)
  t.same(names(note('opened')), ['all', 'critical'])
  t.same(names(note('opened', { severity: 'warning' })), ['all'])
  t.same(names(note('reminder')), ['all'], 'critical takes no reminders')
  t.same(names(note('resolved', { severity: 'info' })), ['all', 'critical'], 'told of the resolution of what it was told of, though the incident eased')
  t.equal(peakSeverity(incident({ severity: 'info', history: [{ at: 1, event: 'opened', severity: 'warning' }, { at: 2, event: 'escalated', severity: 'critical' }, { at: 3, event: 'eased', severity: 'info' }] })), 'critical')
  t.same(names(note('opened', { room: 'donna-1' })), ['all', 'donna', 'critical'])

  const hook = await receiver(t)
  const owner = { kind: 'webhook' as const, url: hook.url, name: 'owner-of-cam-1' }
  const { n, results } = notifier(t, [], { route: (x) => (x.incident.device === 'cam-1' ? [owner] : []) })
  t.same(n.notify(note()), ['owner-of-cam-1'], 'a replaced route may name a target that is not in the config (the equipment register\'s owner)')
  await waitFor('the delivery', () => results.length === 1)
  t.equal(results[0]!.outcome, 'sent')
  const throwing = notifier(t, [{ kind: 'webhook', url: hook.url }], { route: () => { throw new Error('register down') } })
  t.same(throwing.n.notify(note()), [], 'a route function that throws sends nothing and does not throw')
})

t.test('config: defaults, and options that belong to the other kind are refused', async (t) => {
  t.same(notifyTargets([{ kind: 'webhook', url: 'http://x.example/hook' }]), [{ kind: 'webhook', url: 'http://x.example/hook' }], '{ kind, url } as before stays valid')
  t.throws(() => notifyTargets([{ kind: 'webhook', url: 'http://x.example/', format: 'messagecard' }]), /notify\.0\.format: format belongs to kind teams/)
  t.throws(() => notifyTargets([{ kind: 'teams', url: 'http://x.example/', secret: 'sixteen-chars-long!' }]), /secret belongs to kind webhook/)
  t.throws(() => notifyTargets([{ kind: 'sms', url: 'ftp://x' }]), /invalid notify config/)
  t.equal(retryAfter('7'), 7000)
  t.equal(retryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.UTC(2015, 9, 21, 7, 27, 50)), 10_000)
  t.equal(retryAfter('soon'), null)
})
