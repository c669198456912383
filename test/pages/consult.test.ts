// The consultation console in real Chromium: it asks for a token and says plainly when one is
// refused (401) or lacks the role or the room (403); for a specialist it shows live readings as
// tiles with their age, probe-off and invalid values plainly, a preset button moves the simulated
// camera, the FHIR button downloads the bundle, and nothing sticks out of the window at laptop
// widths. Opening it is audited by the hub.
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { masimoLine } from '../../drivers/serial-sensor/simulator-lines.js'
import { waitFor } from '../helpers/index.js'
import { launchBrowser, pageErrors, ROOM, screenshot, startWorld, tokens } from './fixture.js'

const world = await startWorld(t)
const browser = await launchBrowser(t)
const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
t.teardown(async () => await context.close())
const url = `${world.hubUrl}/consult/${ROOM}`

t.test('without a token it asks for one; refused tokens are said plainly', async (t) => {
  const page = await context.newPage()
  await page.goto(url)
  await page.waitForSelector('#token-input')
  t.equal(await page.textContent('#token-title'), 'Logg inn med token')
  await screenshot(page, 'consult-token')

  await page.fill('#token-input', 'wrong-token')
  await page.click('.token-card button[type=submit]')
  await page.waitForFunction(() => /401/.test(document.querySelector('#token-title')?.textContent ?? ''))
  t.pass('401: the token was not accepted')

  await page.fill('#token-input', tokens.otherSpecialist)
  await page.click('.token-card button[type=submit]')
  await page.waitForFunction(() => /403/.test(document.querySelector('#token-title')?.textContent ?? ''))
  t.match(await page.textContent('.token-card__detail'), /may not see room/, 'a specialist of another room: 403 with the hub\'s reason')
  await screenshot(page, 'consult-403')

  await page.fill('#token-input', tokens.staff)
  await page.click('.token-card button[type=submit]')
  await page.waitForFunction(() => /403/.test(document.querySelector('#token-title')?.textContent ?? '') && /staff/.test(document.querySelector('.token-card__detail')?.textContent ?? ''))
  t.pass('staff may not open the console')
  await page.close()
})

t.test('a specialist sees live readings as tiles, and the opening is audited', async (t) => {
  const page = await context.newPage()
  const errors = pageErrors(page)
  const before = world.audits.length
  await page.goto(`${url}?token=${tokens.specialist}`)
  t.notMatch(page.url(), /token=/, 'the token leaves the address bar')
  const spo2 = page.locator('[data-value="spo2-1:spo2"]')
  await spo2.waitFor({ timeout: 20_000 })
  await page.waitForFunction(() => /^\d+$/.test(document.querySelector('[data-value="spo2-1:spo2"] .tile__number')?.textContent ?? ''), null, { timeout: 20_000 })
  t.match(await spo2.locator('.tile__label').textContent(), /SpO₂/)
  t.match(await spo2.locator('.tile__age').textContent(), /^\d+ s siden$/, 'each value shows its age')
  t.ok(await page.locator('[data-value="spo2-1:pulse"]').isVisible(), 'pulse tile')
  t.ok(await page.locator('[data-value="spo2-1:pi"]').isVisible(), 'PI tile')
  await page.waitForSelector('.live--ok')
  await page.waitForFunction(() => (document.querySelectorAll('[data-value="spo2-1:spo2"] polyline').length) > 0, null, { timeout: 10_000 })
  t.pass('a short trend is drawn')
  t.ok(await page.locator('.devices').getByText('Kamera').isVisible(), 'device states listed')
  await screenshot(page, 'consult-live')
  const opened = world.audits.slice(before).filter((a) => a.user === 'dr-lege' && a.room === ROOM)
  t.ok(opened.some((a) => a.what === 'room'), 'the room view is audited')
  t.ok(opened.some((a) => a.what === 'live'), 'the live subscription is audited')
  t.same(errors, [])
  await page.close()
})

t.test('probe off is shown plainly, instead of a number', async (t) => {
  const page = await context.newPage()
  await page.goto(`${url}?token=${tokens.specialist}`)
  await page.locator('[data-value="spo2-1:spo2"]').waitFor({ timeout: 20_000 })
  await world.oximeter.setScenario('probe-off')
  await page.waitForSelector('.vitals__blocking', { timeout: 10_000 })
  t.match(await page.textContent('.vitals__blocking'), /Sensoren er ikke på pasienten/)
  t.equal(await page.textContent('[data-value="spo2-1:spo2"] .tile__number'), '—', 'no number while the probe is off')
  await screenshot(page, 'consult-probe-off')
  await world.oximeter.setScenario('normal')
  await page.waitForSelector('.vitals__blocking', { state: 'detached', timeout: 10_000 })
  t.pass('numbers again once the probe is back')
  await page.close()
})

t.test('a preset button moves the simulated camera; the pad nudges it', async (t) => {
  const page = await context.newPage()
  await page.goto(`${url}?token=${tokens.specialist}`)
  const overview = page.locator('button[data-preset="overview"]')
  await overview.waitFor({ timeout: 20_000 })
  await page.waitForSelector('.live--ok')
  const answered = page.waitForResponse((r) => r.url().includes('/commands/ptz.gotoPreset'), { timeout: 30_000 })
  await page.click('button[data-preset="patient"]')
  const answer = await answered
  t.equal(answer.status(), 200, `the hub carried out the command: ${await answer.text()}`)
  await waitFor('the camera at the patient preset', () => world.camera.state.currentPreset === '1', { timeoutMs: 15_000 })
  await page.waitForSelector('.feedback--ok', { timeout: 15_000 })
  t.match(await page.textContent('.feedback--ok'), /Utført: Pasient/)
  await overview.click()
  await waitFor('the camera at the overview preset', () => world.camera.state.currentPreset === '2', { timeoutMs: 15_000 })
  t.pass('the camera moved to the overview preset')
  await screenshot(page, 'consult-preset')

  const x = world.camera.state.position.x
  await page.locator('.pad__btn--right').focus()
  await page.keyboard.press('Enter')
  await waitFor('the camera to turn right', () => world.camera.state.position.x > x + 0.01, { timeoutMs: 15_000 })
  t.pass('Enter on the right arrow nudges the camera right')
  await page.close()
})

t.test('the FHIR button downloads the running consultation\'s bundle', async (t) => {
  // a consultation that began five minutes ago, before the one the fixture books
  const start = Date.now() - 5 * 60_000
  const booked = world.hub.fleet.get(ROOM)?.schedule ?? []
  await world.hub.publishSchedule(ROOM, [{ id: 'rodoy-now', start, minutes: 30, profile: 'ortopedi' }, ...booked])
  const api = `${world.hubUrl}/api/rooms/${ROOM}/consultations/rodoy-now/fhir`
  await waitFor('the hub to hold readings of the running consultation', async () => {
    const res = await fetch(api, { headers: { authorization: `Bearer ${tokens.specialist}` } })
    return res.ok && ((await res.json()) as { entry?: unknown[] }).entry?.length !== 0
  }, { timeoutMs: 20_000 })
  const page = await context.newPage()
  await page.goto(`${url}?token=${tokens.specialist}`)
  await page.waitForSelector('button.fhir:not([disabled])', { timeout: 20_000 })
  t.match(await page.textContent('.consultation__when'), /startet for 5 min siden/, 'the card names the running consultation')
  const download = page.waitForEvent('download', { timeout: 15_000 })
  await page.click('button.fhir')
  const file = await download
  t.equal(file.suggestedFilename(), 'helserom-rodoy-1-rodoy-now.fhir.json')
  const bundle = JSON.parse(await readFile(await file.path(), 'utf8')) as { resourceType?: string, identifier?: { value?: string }, entry?: Array<{ resource: { resourceType: string } }> }
  t.equal(bundle.resourceType, 'Bundle', 'a FHIR Bundle')
  t.equal(bundle.identifier?.value, `${ROOM}/rodoy-now`, 'of this consultation')
  t.ok((bundle.entry ?? []).length > 0 && bundle.entry!.every((e) => e.resource.resourceType === 'Observation'), `with the oximeter's observations (${bundle.entry?.length ?? 0})`)
  await page.waitForSelector('.consultation .feedback--ok', { timeout: 15_000 })
  t.match(await page.textContent('.consultation .feedback'), /Lastet ned/)
  await screenshot(page, 'consult-fhir')
  await page.close()
})

t.test('values the oximeter flags as implausible are shown as invalid, not as readings', async (t) => {
  const page = await context.newPage()
  await page.goto(`${url}?token=${tokens.specialist}`)
  await page.waitForFunction(() => /^\d+$/.test(document.querySelector('[data-value="spo2-1:spo2"] .tile__number')?.textContent ?? ''), null, { timeout: 20_000 })
  // The simulator's own lines stop; lines with SpO2 130 % (above what the device can measure) take
  // their place, as a faulty unit or a bad cable would send them. The driver marks them invalid.
  await world.oximeter.setScenario('pause')
  let sending = true
  const send = async (): Promise<void> => {
    while (sending) {
      await world.oximeter.writeRaw(masimoLine({ time: new Date(), serial: '0000070001', model: 'radical-7', vitals: { spo2: 130, pulse: 72, pi: 2.1, pvi: 12 } }) + '\r\n')
      await new Promise((resolve) => setTimeout(resolve, 400))
    }
  }
  const sender = send()
  try {
    const tile = page.locator('[data-value="spo2-1:spo2"]')
    await page.waitForSelector('[data-value="spo2-1:spo2"].tile--invalid', { timeout: 15_000 })
    t.equal(await tile.locator('.badge--invalid').textContent(), 'Ugyldig', 'the tile says plainly that the value is invalid')
    t.equal(await tile.locator('.tile__number').evaluate((el) => getComputedStyle(el).textDecorationLine), 'line-through', 'and strikes the number through')
    t.notOk(await page.locator('[data-value="spo2-1:pulse"]').evaluate((el) => el.classList.contains('tile--invalid')), 'a plausible pulse in the same line stays valid')
    await screenshot(page, 'consult-invalid')
  } finally {
    sending = false
    await sender
    await world.oximeter.setScenario('normal')
  }
  await page.waitForSelector('[data-value="spo2-1:spo2"]:not(.tile--invalid)', { timeout: 15_000 })
  t.pass('valid again with plausible values')
  await page.close()
})

for (const width of [1024, 1280, 1440]) {
  t.test(`at ${width} px every card fits in the window`, async (t) => {
    const page = await browser.newPage({ viewport: { width, height: 900 } })
    await page.goto(`${url}?token=${tokens.specialist}`)
    await page.locator('[data-value="spo2-1:spo2"]').waitFor({ timeout: 20_000 })
    await page.locator('button[data-preset="patient"]').waitFor({ timeout: 20_000 })
    const over = await page.evaluate(() => {
      const edge = document.documentElement.clientWidth
      return [...document.querySelectorAll('.card')].map((el) => ({ what: el.querySelector('h2')?.textContent ?? el.className, right: el.getBoundingClientRect().right }))
        .filter((c) => c.right > edge + 0.5).map((c) => `${c.what}: right edge at ${c.right.toFixed(1)} px, window ${edge} px`)
    })
    t.same(over, [], 'no card passes the right edge')
    t.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0, 'no sideways scrolling')
    if (width === 1280) await screenshot(page, 'consult-1280')
    await page.close()
  })
}
