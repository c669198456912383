// The fleet page in real Chromium against a running hub and gateway: it asks for a token, lists the
// rooms with readiness, devices and the next consultation, filters, and opens a room page with the
// latest pre-session check and history charts from the store.
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
  t.match(await row.locator('.cell-next').textContent(), /\d\d:\d\d.*om \d+ min/)
  t.match(await row.locator('.cell-online').textContent(), /Tilkoblet/)
  t.match(await page.locator('.fleet-row[data-room="donna-1"] .cell-level').textContent(), /Ukjent|Frakoblet/, 'a room that never reported')
  t.ok(await page.isVisible('.incidents'), 'the incidents panel is there (or says it is not available)')
  await screenshot(page, 'fleet')

  // red first: a failing camera puts Rødøy on top with its reason
  await world.camera.setFault('offline')
  await page.waitForFunction((room) => document.querySelector('.fleet-scroll .fleet-row')?.getAttribute('data-room') === room &&
    document.querySelector(`.fleet-row[data-room="${room}"]`)?.classList.contains('fleet-row--red'), ROOM, { timeout: 15_000 })
  t.match(await row.locator('.cell-why').textContent(), /Kameraet svarer ikke/)
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
  t.ok(await page.isVisible('.incidents'), 'so is the incidents panel')
  await screenshot(page, 'fleet-1366')
  await world.camera.setFault(null)
  t.same(errors, [])
  await page.close()
})

t.test('a room page with the check and history charts', async (t) => {
  // a pre-session check, so the page has one to show
  void world.gateway.runCommand('check.run', { id: 'pages-check', args: {}, by: 'test', ts: Date.now() }).catch(() => {})
  await waitFor('a check report at the hub', () => world.hub.fleet.get(ROOM)?.check !== null, { timeoutMs: 40_000 }).catch(() => t.comment('no check report arrived; the card says so'))
  const page = await context.newPage()
  const errors = pageErrors(page)
  await page.goto(`${world.hubUrl}/?token=${tokens.it}`)
  await page.locator(`.fleet-row[data-room="${ROOM}"]`).click()
  await page.waitForURL(`**/rooms/${ROOM}`)
  await page.waitForSelector('.room-head h1')
  t.equal(await page.textContent('.room-head h1'), 'Helserom Rødøy')
  await page.waitForSelector('.charts, .history .notice', { timeout: 20_000 })
  if (await page.isVisible('.charts')) {
    await page.waitForSelector('.chart .uplot', { timeout: 10_000 })
    t.ok(await page.locator('.chart .uplot').count() >= 1, 'history drawn from the store')
  } else {
    t.comment(`history: ${await page.textContent('.history .notice') ?? ''}`)
  }
  await page.waitForSelector('[data-device="cam-1"]')
  t.match(await page.textContent('[data-device="cam-1"]'), /Kamera/)
  await screenshot(page, 'fleet-room')
  await page.goBack()
  await page.locator(`.fleet-row[data-room="${ROOM}"]`).waitFor()
  t.pass('back to the list')
  t.same(errors, [])
  await page.close()
})
