// The fleet page in real Chromium against a running hub and gateway: it asks for a token, lists the
// rooms with readiness, devices and the next consultation, filters, acknowledges an incident, and
// opens a room page with the latest pre-session check and history charts from the store, in
// Norwegian words, numbers and time whatever the browser's own zone and locale.
import t from 'tap'
import { waitFor } from '../helpers/index.js'
import { launchBrowser, pageErrors, ROOM, screenshot, startWorld, tokens } from './fixture.js'

const world = await startWorld(t)
const browser = await launchBrowser(t)
const context = await browser.newContext({ viewport: { width: 1600, height: 900 } })
t.teardown(async () => await context.close())

t.test('the hub serves the pages with hashed assets and safe headers', async (t) => {
  const res = await fetch(`${world.hubUrl}/`)
  t.equal(res.status, 200)
  t.match(res.headers.get('content-security-policy'), /default-src 'self'/)
  const html = await res.text()
  const asset = /src="(\/assets\/fleet-[A-Z0-9]+\.js)"/.exec(html)?.[1]
  t.ok(asset, 'the document names a hashed script')
  const js = await fetch(`${world.hubUrl}${asset ?? ''}`)
  t.equal(js.status, 200)
  t.match(js.headers.get('cache-control'), /immutable/)
  t.equal((await fetch(`${world.hubUrl}/assets/nothing.js`)).status, 404)
  for (const path of [`/consult/${ROOM}`, `/light/${ROOM}`, `/rooms/${ROOM}`]) t.equal((await fetch(`${world.hubUrl}${path}`)).status, 200, path)
})

t.test('without a token the fleet page asks for one', async (t) => {
  const page = await context.newPage()
  await page.goto(`${world.hubUrl}/`)
  await page.waitForSelector('#token-input')
  await screenshot(page, 'fleet-token')
  await page.fill('#token-input', 'nope')
  await page.click('.token-card button[type=submit]')
  await page.waitForFunction(() => /401/.test(document.querySelector('#token-title')?.textContent ?? ''), null, { timeout: 15_000 })
  t.pass('a bad token: 401 said plainly')
  await page.close()
})

t.test('every room at a glance, filtered and sorted', async (t) => {
  const page = await context.newPage()
  const errors = pageErrors(page)
  await page.goto(`${world.hubUrl}/?token=${tokens.it}`)
  const row = page.locator(`.fleet-row[data-room="${ROOM}"]`)
  await row.waitFor({ timeout: 20_000 })
  await page.waitForFunction((room) => /Kamera/.test(document.querySelector(`.fleet-row[data-room="${room}"] .cell-devices`)?.textContent ?? ''), ROOM, { timeout: 20_000 })
  t.match(await row.locator('.cell-room').textContent(), /Helserom Rødøy/)
  t.match(await row.locator('.cell-room').getAttribute('title'), /Helserom Rødøy\nRødøy kommune · rodoy-1/, 'the full name, site and id in the title')
  t.match(await row.locator('.cell-next').textContent(), /\d\d:\d\d.*om \d+ min.*Ortopedi/, 'the consultation type by its label')
  t.match(await row.locator('.cell-next').getAttribute('title'), /\d\d:\d\d · om \d+ min · Ortopedi · 30 min/)
  t.match(await row.locator('.cell-online').textContent(), /Tilkoblet/)
  t.match(await page.locator('.fleet-row[data-room="donna-1"] .cell-level').textContent(), /Ukjent|Frakoblet/, 'a room that never reported')
  t.ok(await page.isVisible('.incidents'), 'the incidents panel is there (or says it is not available)')
  await screenshot(page, 'fleet')

  // red first: a failing camera puts Rødøy on top with its reason
  // (the room may already be red, settling after its start, before the camera's own reason comes)
  await world.camera.setFault('offline')
  await page.waitForFunction((room) => document.querySelector('.fleet-scroll .fleet-row')?.getAttribute('data-room') === room &&
    document.querySelector(`.fleet-row[data-room="${room}"]`)?.classList.contains('fleet-row--red') &&
    /Kamera/.test(document.querySelector(`.fleet-row[data-room="${room}"] .cell-why`)?.textContent ?? ''), ROOM, { timeout: 15_000 })
  t.match(await row.locator('.cell-why').textContent(), /Kameraet svarer ikke/)
  t.equal(await row.locator('.cell-why').getAttribute('title'), await row.locator('.cell-why').textContent(), 'the whole reason in the title')
  const failingChip = row.locator('.cell-devices .chip--down')
  t.match(await failingChip.first().textContent(), /Kamera/, 'the failing device is named first among the devices')
  const chipBox = await failingChip.first().boundingBox()
  const cellBox = await row.locator('.cell-devices').boundingBox()
  t.ok(chipBox !== null && cellBox !== null && chipBox.y + chipBox.height <= cellBox.y + cellBox.height + 0.5, 'and is not cut off by the row')
  await page.click('button[data-filter="red"]')
  await waitFor('only red rooms', async () => (await page.locator('.fleet-scroll .fleet-row').count()) === 1)
  t.pass('the red filter leaves the red room')
  await screenshot(page, 'fleet-red-filter')
  await page.click('button[data-filter="red"]')
  // a 1366-pixel laptop: every column, the incidents panel with them
  await page.setViewportSize({ width: 1366, height: 768 })
  const online = await row.locator('.cell-online').boundingBox()
  t.ok(online !== null && online.x + online.width <= 1366, 'the connection column is on screen at 1366 px')
  t.ok(await row.locator('.cell-room strong').evaluate((el) => el.scrollHeight <= el.clientHeight + 1), 'the room name is not cut off')
  t.ok(await page.isVisible('.incidents'), 'so is the incidents panel')
  await screenshot(page, 'fleet-1366')
  await world.camera.setFault(null)
  t.same(errors, [])
  await page.close()
})

t.test('an incident is acknowledged from the panel', async (t) => {
  const page = await context.newPage()
  const errors = pageErrors(page)
  await page.goto(`${world.hubUrl}/?token=${tokens.it}`)
  await page.locator(`.fleet-row[data-room="${ROOM}"]`).waitFor({ timeout: 20_000 })
  // the camera the next consultation needs goes down: an incident for IT
  await world.camera.setFault('offline')
  const incident = page.locator('.incident', { hasText: /Helserom Rødøy: Kamera/ }).filter({ has: page.locator('button.incident__ack') }).first()
  await incident.waitFor({ timeout: 30_000 })
  t.match(await incident.getAttribute('class'), /incident--(amber|red)/, 'a warning or worse, in the level colours')
  await screenshot(page, 'fleet-incident')
  const id = await incident.getAttribute('data-incident')
  const acked = page.waitForResponse((r) => r.url().includes(`/api/incidents/${id ?? ''}/ack`), { timeout: 15_000 })
  await incident.locator('button.incident__ack').click()
  t.equal((await acked).status(), 200, 'the hub took the acknowledgement')
  const after = page.locator(`.incident[data-incident="${id ?? ''}"]`)
  await page.waitForFunction((sel) => /kvittert av it-vakt/.test(document.querySelector(sel)?.textContent ?? ''), `.incident[data-incident="${id ?? ''}"]`, { timeout: 15_000 })
  t.match(await after.textContent(), /kvittert av it-vakt/, 'the panel says who acknowledged it')
  t.equal(await after.locator('button.incident__ack').count(), 0, 'and offers no second acknowledgement')
  await screenshot(page, 'fleet-incident-acked')
  await world.camera.setFault(null)
  await waitFor('the camera back', () => world.gateway.devices().find((d) => d.id === 'cam-1')?.state === 'ok', { timeoutMs: 20_000 })
  t.same(errors, [])
  await page.close()
})

t.test('a room page with the check and history charts', async (t) => {
  // a pre-session check, so the page has one to show
  const checked = world.gateway.runCommand('check.run', { id: 'pages-check', args: {}, by: 'test', ts: Date.now() })
  await waitFor('a check report at the hub', () => world.hub.fleet.get(ROOM)?.check?.id !== undefined, { timeoutMs: 60_000 })
  await checked
  // the browser in another zone and locale than the room: times must still be Norwegian, 24-hour
  const away = await browser.newContext({ viewport: { width: 1600, height: 900 }, timezoneId: 'Asia/Kolkata', locale: 'en-US' })
  t.teardown(async () => await away.close())
  const page = await away.newPage()
  const errors = pageErrors(page)
  await page.goto(`${world.hubUrl}/?token=${tokens.it}`)
  await page.locator(`.fleet-row[data-room="${ROOM}"]`).click()
  await page.waitForURL(`**/rooms/${ROOM}`)
  await page.waitForSelector('.room-head h1')
  t.equal(await page.textContent('.room-head h1'), 'Helserom Rødøy')

  // the latest check, in Norwegian: states in words, decimal commas
  await page.waitForSelector('.room-check tbody tr', { timeout: 20_000 })
  const values = await page.locator('.room-check td.num').allTextContents()
  t.ok(values.length >= 3, `the check's steps are listed (${values.length})`)
  t.same(values.filter((v) => /\d\.\d/.test(v)), [], 'no English decimal points')
  t.same(values.filter((v) => /\b(down|ok|degraded|up)\b/.test(v)), [], 'no raw states or English units')
  t.match(values.join(' '), /Mbit\/s \(opp \/ ned\)/, 'the throughput unit in Norwegian')

  // devices' metrics with names and units; the schedule by consultation type
  await page.waitForSelector('[data-device="cam-1"] .metric')
  const metrics = await page.locator('[data-device="cam-1"] .metric').allTextContents()
  t.ok(metrics.some((m) => /^Svartid \d+ ms$/.test(m)), `the camera's response time, named: ${metrics.join(' | ')}`)
  t.notOk(metrics.some((m) => /responseMs|reachability/.test(m)), 'no raw metric keys')
  t.match(await page.textContent('[aria-labelledby="schedule-title"] tbody'), /Ortopedi/, 'the schedule names the consultation type')

  // history from the store: network, device health and readiness all drawn
  await page.waitForFunction(() => document.querySelectorAll('.chart .uplot').length === 3, null, { timeout: 20_000 })
  t.equal(await page.locator('.chart--empty').count(), 0, 'no chart says "no data"')
  const readinessChart = page.locator('.chart', { hasText: 'Klarhet over tid' })
  t.equal(await readinessChart.locator('.u-legend .u-series').first().locator('.u-label').textContent(), 'Tid', 'the time column is "Tid"')
  await screenshot(page, 'fleet-room')
  await readinessChart.scrollIntoViewIfNeeded()
  const over = await readinessChart.locator('.u-over').boundingBox()
  // at the right edge the cursor snaps to the latest readiness point in the chart: a level the gateway published
  await page.mouse.move(over!.x + over!.width - 2, over!.y + over!.height / 2)
  const shown = await readinessChart.locator('.u-legend .u-series').first().locator('.u-value').textContent()
  const oslo = new Intl.DateTimeFormat('nb-NO', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'Europe/Oslo' })
  const published = [...new Set(world.readinessSeen.map((r) => oslo.format(r.ts)))]
  t.ok(published.some((hm) => shown?.endsWith(hm)), `the cursor's time in Norwegian time, 24-hour: "${shown ?? ''}" (levels came at ${published.join(', ')} in Oslo)`)
  t.notMatch(shown, /AM|PM|am|pm/)
  await screenshot(page, 'fleet-room-history')
  await page.goBack()
  await page.locator(`.fleet-row[data-room="${ROOM}"]`).waitFor()
  t.pass('back to the list')
  t.same(errors, [])
  await page.close()
})
