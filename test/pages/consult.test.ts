// The consultation console in real Chromium: it asks for a token and says plainly when one is
// refused (401) or lacks the role or the room (403); for a specialist it shows live readings as
// tiles with their age, probe-off plainly, and a preset button moves the simulated camera. Opening
// it is audited by the hub.
import t from 'tap'
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

t.test('the FHIR button downloads the bundle, or says the hub cannot yet', async (t) => {
  const page = await context.newPage()
  await page.goto(`${url}?token=${tokens.specialist}`)
  await page.waitForSelector('button.fhir:not([disabled])', { timeout: 20_000 })
  const download = page.waitForEvent('download', { timeout: 10_000 }).catch(() => null)
  await page.click('button.fhir')
  await page.waitForSelector('.consultation .feedback', { timeout: 15_000 })
  const text = await page.textContent('.consultation .feedback')
  if (/Lastet ned/.test(text ?? '')) {
    const file = await download
    t.match(file?.suggestedFilename(), /^helserom-rodoy-1-rodoy-c1\.fhir\.json$/)
  } else {
    t.match(text, /FHIR|data/, `a plain message: ${text ?? ''}`)
  }
  await screenshot(page, 'consult-fhir')
  await page.close()
})
