// The fleet page holds 2,000 rooms: a hub configured with 2,000 gateways (one cheap scrypt hash
// shared by all), their state published through the hub's own broker by a few MQTT clients (the
// hub's internal identity may publish under any room, like a fleet of gateways would under theirs),
// and the page must list them all while keeping only the visible rows in the DOM, then follow a
// burst of changes. No timings are asserted: the machine is shared; what is measured is printed.
import t from 'tap'
import mqtt from 'mqtt'
import { join } from 'node:path'
import { hashPassword, hashToken } from '../../cloud/auth/passwords.js'
import { hubConfig } from '../../cloud/config.js'
import { Hub } from '../../cloud/hub.js'
import { tempDir, testLogger, waitFor } from '../helpers/index.js'
import { launchBrowser, pageErrors, screenshot, TEST_SCRYPT, tokens } from './fixture.js'

const ROOMS = 2000
const SITES = ['Rødøy', 'Dønna', 'Brønnøy', 'Vefsn', 'Rana', 'Hemnes', 'Lurøy', 'Træna', 'Herøy', 'Alstahaug']
const slug = (i: number): string => `room-${String(i).padStart(4, '0')}`

const dir = tempDir(t, 'helserom-pages-scale-')
const hash = await hashPassword('fleet-password', TEST_SCRYPT)
const hub = new Hub(hubConfig({
  http: { host: '127.0.0.1', port: 0 },
  mqtt: { host: '127.0.0.1', port: 0 },
  dataDir: join(dir, 'hub'),
  gateways: Array.from({ length: ROOMS }, (_, i) => ({ room: slug(i), name: `Helserom ${SITES[i % SITES.length]!} ${Math.floor(i / SITES.length) + 1}`, site: `${SITES[i % SITES.length]!} kommune`, passwordHash: hash })),
  users: [{ name: 'it-vakt', role: 'it', tokenHash: hashToken(tokens.it) }]
}), { logger: testLogger() })
t.teardown(async () => await hub.stop())
const urls = await hub.start()

const now = Date.now()
function messagesOf (i: number, rtt: number): Array<[string, unknown]> {
  const room = slug(i)
  const level = i % 50 === 0 ? 'red' : i % 7 === 0 ? 'amber' : 'green'
  const reasons = level === 'green' ? [] : [{ code: level === 'red' ? 'camera.unreachable' : 'network.jitter', level, device: 'cam-1', message: level === 'red' ? { nb: 'Kameraet svarer ikke — sjekk strøm og nettverkskabel', en: 'The camera does not answer' } : { nb: 'Jitter er høy', en: 'Jitter is high' } }]
  const start = now + ((i * 7) % 480) * 60_000
  return [
    [`helserom/v1/${room}/status`, { online: i % 97 !== 0, version: '0.1.0', boot: `b-${i}`, startedAt: now, ts: now }],
    [`helserom/v1/${room}/readiness`, { level, profile: 'ortopedi', profileLabel: { nb: 'Ortopedi', en: 'Orthopaedics' }, session: null, reasons, summary: level === 'green' ? { nb: 'Rommet er klart', en: 'The room is ready' } : level === 'amber' ? { nb: 'Fungerer, men jitter er høy', en: 'Works, but jitter is high' } : { nb: 'Kameraet svarer ikke — sjekk strøm og nettverkskabel', en: 'The camera does not answer' }, ts: now }],
    [`helserom/v1/${room}/devices/cam-1/health`, { kind: 'onvif-camera', name: 'Kamera', state: level === 'red' ? 'down' : 'ok', reason: null, metrics: {}, ts: now }],
    [`helserom/v1/${room}/devices/spo2-1/health`, { kind: 'serial-sensor', name: 'Pulsoksymeter', state: 'ok', reason: null, metrics: {}, ts: now }],
    [`helserom/v1/${room}/network`, { rttMs: rtt, jitterMs: 4, lossPct: 0, upMbps: 20, downMbps: 40, ifaceUtilPct: 3, ts: Date.now() }],
    [`helserom/v1/${room}/schedule`, [{ id: `${room}-c1`, start, minutes: 30, profile: 'ortopedi' }]]
  ]
}

// a few clients, each publishing a share of the fleet
const CLIENTS = 4
const clients = await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
  const client = await mqtt.connectAsync(urls.mqtt, { username: hub.internalCredentials.username, password: hub.internalCredentials.password, clientId: `fleet-pub-${c}`, reconnectPeriod: 0 })
  t.teardown(async () => { await client.endAsync(true) })
  return client
}))
async function publishAll (rtt: (i: number) => number, only?: (topic: string) => boolean): Promise<void> {
  await Promise.all(clients.map(async (client, c) => {
    for (let i = c; i < ROOMS; i += CLIENTS) {
      for (const [topic, message] of messagesOf(i, rtt(i))) {
        if (only === undefined || only(topic)) await client.publishAsync(topic, JSON.stringify(message), { qos: 0, retain: true })
      }
    }
  }))
}
await publishAll((i) => 20 + (i % 30))
await waitFor('every room\'s schedule at the hub', () => hub.fleet.get(slug(ROOMS - 1))?.schedule !== null, { timeoutMs: 60_000 })

const browser = await launchBrowser(t)
const context = await browser.newContext({ viewport: { width: 1600, height: 900 } })
t.teardown(async () => await context.close())

t.test('2,000 rooms render, virtualised, and follow a burst of changes', async (t) => {
  const page = await context.newPage()
  const errors = pageErrors(page)
  const opened = Date.now()
  await page.goto(`${urls.http}/?token=${tokens.it}`)
  await page.waitForFunction((n) => /2\s?000 rom/.test(document.querySelector('.topbar__summary')?.textContent ?? '') && document.querySelector('.toolbar__shown')?.textContent === `${n} vist`, ROOMS, { timeout: 60_000 })
  t.comment(`2,000 rooms on screen ${Date.now() - opened} ms after opening the page`)
  const rows = await page.locator('.fleet-scroll .fleet-row').count()
  t.ok(rows > 5 && rows < 100, `only the visible rows are in the DOM (${rows})`)
  t.match(await page.locator('.fleet-scroll .fleet-row').first().getAttribute('class'), /fleet-row--red/, 'red first')
  const red = Array.from({ length: ROOMS }, (_, i) => i).filter((i) => i % 50 === 0 && i % 97 !== 0).length // an offline room counts as offline
  t.equal(await page.locator('button[data-filter="red"] .filter__count').textContent(), String(red), 'the red count')
  await screenshot(page, 'fleet-2000')

  // where the room column is narrowest (the incidents beside the list at 1440 px, above it at 1366 px),
  // every name is whole: "Helserom Rødøy 56" and "… 166" must not both read "Helserom Rødøy …"
  for (const width of [1440, 1366]) {
    await page.setViewportSize({ width, height: 900 })
    const cut = await page.evaluate(() => [...document.querySelectorAll('.fleet-scroll .cell-room strong')]
      .filter((el) => el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1).map((el) => el.textContent))
    t.same(cut, [], `no room name cut off at ${width} px`)
    // (no helper functions inside: the test runner's compiler would name them with a helper the page lacks)
    const untitled = await page.locator('.fleet-scroll .fleet-row').evaluateAll((rows) => rows.filter((r) =>
      !(r.querySelector('.cell-room')?.getAttribute('title') ?? '').includes(r.querySelector('.cell-room strong')?.textContent ?? '?') ||
      (r.querySelector('.cell-next')?.getAttribute('title') ?? '') === '' ||
      (r.classList.contains('fleet-row--red') && (r.querySelector('.cell-why')?.getAttribute('title') ?? '') === '')).length)
    t.equal(untitled, 0, 'room, reason and consultation carry their full text in a title')
    await screenshot(page, `fleet-2000-${width}`)
  }
  await page.setViewportSize({ width: 1600, height: 900 })

  // scroll to the end: the last rows are drawn
  await page.locator('.fleet-scroll').evaluate((el) => { el.scrollTop = el.scrollHeight })
  await page.waitForFunction(() => Number(document.querySelector('.fleet-scroll .fleet-row:last-child')?.getAttribute('aria-rowindex')) >= 2000)
  t.pass('the list scrolls to the 2,000th room')

  // sort by the next consultation
  await page.selectOption('select[data-sort]', 'soon')
  await page.locator('.fleet-scroll').evaluate((el) => { el.scrollTop = 0 })
  await page.waitForFunction(() => document.querySelector('.fleet-scroll .fleet-row')?.getAttribute('data-room') === 'room-0000')
  t.pass('consultations soonest first')
  await page.selectOption('select[data-sort]', 'severity')

  // a burst: every room's network changes at once; the page catches up (batched renders)
  const burst = Date.now()
  await publishAll(() => 250, (topic) => topic.endsWith('/network'))
  await page.waitForFunction(() => [...document.querySelectorAll('.fleet-scroll .cell-net')].every((c) => /250 ms/.test(c.textContent ?? '')), null, { timeout: 60_000 })
  t.comment(`the visible rows showed a 2,000-room burst ${Date.now() - burst} ms after it was sent`)
  const frame = await page.evaluate(async () => await new Promise<number>((resolve) => { const s = performance.now(); requestAnimationFrame(() => resolve(performance.now() - s)) }))
  t.comment(`one animation frame after the burst: ${Math.round(frame)} ms`)
  t.pass('the page follows the burst')
  await screenshot(page, 'fleet-2000-burst')
  t.same(errors, [])
  await page.close()
})
