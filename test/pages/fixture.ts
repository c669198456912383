// What the browser tests run against: a real hub (with the pages plugin registered before start)
// and a real gateway for one room, its devices simulated (an ONVIF PTZ camera and a Masimo pulse
// oximeter on TCP), users of every role, and headless Chromium through playwright-core. Everything
// is stopped at teardown; screenshots go to test/artifacts/pages/.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { hashPassword, hashToken } from '../../cloud/auth/passwords.js'
import { hubConfig } from '../../cloud/config.js'
import { Hub } from '../../cloud/hub.js'
import type { ViewAudit } from '../../cloud/http/room-routes.js'
import { roomConfigFromObject } from '../../gateway/config.js'
import { Gateway } from '../../gateway/gateway.js'
import { driverFactories } from '../../drivers/registry.js'
import { startOnvifCameraSimulator, type OnvifCameraSimulator } from '../../drivers/onvif-camera/simulator.js'
import { startSerialSensorSimulator, type SerialSensorSimulator } from '../../drivers/serial-sensor/simulator.js'
import type { ReadinessMessage } from '../../protocol/messages.js'
import { projectFile } from '../../protocol/project-files.js'
import { tempDir, testLogger, type Teardown } from '../helpers/index.js'

export const TEST_SCRYPT = { N: 1024, r: 8, p: 1 }
export const ROOM = 'rodoy-1'
export const SUPPORT_PHONE = '75 12 34 56'
export const tokens = {
  it: 'pages-it-token-0123456789abcdef0123',
  specialist: 'pages-specialist-token-0123456789ab',
  staff: 'pages-staff-token-0123456789abcdef01',
  otherSpecialist: 'pages-other-specialist-0123456789ab'
} as const

export const ARTIFACTS = projectFile('test', 'artifacts', 'pages')
mkdirSync(ARTIFACTS, { recursive: true })

export async function screenshot (page: Page, name: string): Promise<string> {
  const path = join(ARTIFACTS, `${name}.png`)
  await page.waitForTimeout(600) // the light fades between colours (0.4 s): capture the colour, not the fade
  await page.screenshot({ path, fullPage: false })
  return path
}

/** Headless Debian Chromium with the flags the issue names; closed at teardown. */
export async function launchBrowser (t: Teardown): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking']
  })
  t.teardown(async () => await browser.close())
  return browser
}

/** Errors a page throws are test failures: collect them. */
export function pageErrors (page: Page): string[] {
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  return errors
}

export interface PagesWorld {
  hub: Hub
  gateway: Gateway
  camera: OnvifCameraSimulator
  oximeter: SerialSensorSimulator
  audits: ViewAudit[]
  /** Every readiness message the gateway published, from its start. */
  readinessSeen: ReadinessMessage[]
  hubUrl: string
  lightUrl: string
}

export async function startWorld (t: Teardown): Promise<PagesWorld> {
  const dir = tempDir(t, 'helserom-pages-')
  const password = 'rodoy-gateway-password'
  const audits: ViewAudit[] = []
  const hub = new Hub(hubConfig({
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { host: '127.0.0.1', port: 0 },
    dataDir: join(dir, 'hub'),
    gateways: [
      { room: ROOM, name: 'Helserom Rødøy', site: 'Rødøy kommune', passwordHash: await hashPassword(password, TEST_SCRYPT) },
      { room: 'donna-1', name: 'Helserom Dønna', site: 'Dønna kommune', passwordHash: await hashPassword('donna-password', TEST_SCRYPT) }
    ],
    // a failure becomes an incident within about a second, so the fleet page's panel has one to show
    alerts: { openAfterSeconds: 1, tickSeconds: 1 },
    users: [
      { name: 'it-vakt', role: 'it', tokenHash: hashToken(tokens.it) },
      { name: 'dr-lege', role: 'specialist', tokenHash: hashToken(tokens.specialist), rooms: [ROOM] },
      { name: 'dr-annen', role: 'specialist', tokenHash: hashToken(tokens.otherSpecialist), rooms: ['donna-1'] },
      { name: 'sykepleier-rodoy', role: 'staff', tokenHash: hashToken(tokens.staff), rooms: [ROOM] }
    ]
  }), { logger: testLogger(), store: 'from-config', audit: (entry) => audits.push(entry) })
  t.teardown(async () => await hub.stop())

  const urls = await hub.start()

  const camera = await startOnvifCameraSimulator({})
  t.teardown(async () => await camera.stop())
  const oximeter = await startSerialSensorSimulator({ tcpPort: 0, protocol: 'masimo-ascii', model: 'radical-7', intervalMs: 500 })
  t.teardown(async () => await oximeter.stop())

  const factories = driverFactories
  const now = Date.now()
  const start = Math.ceil((now + 20 * 60_000) / 300_000) * 300_000
  const config = roomConfigFromObject('pages-test', {
    room: ROOM,
    name: 'Helserom Rødøy',
    site: 'Rødøy kommune',
    hub: { url: urls.mqtt, username: ROOM, password, http: urls.http },
    local: { host: '127.0.0.1', mqttPort: 0, httpPort: 0, adminToken: 'pages-local-admin-token' },
    dataDir: join(dir, 'gateway'),
    support: { phone: SUPPORT_PHONE },
    readiness: { recoverAfterMs: 500 },
    // the check runs 5 min before the consultation (15 min from now): not by itself during a test
    check: { beforeMinutes: [5] },
    devices: [
      // a short poll, so a camera failure is seen in well under a second
      { id: 'cam-1', name: 'Kamera', kind: 'onvif-camera', ...camera.deviceConfig, pollIntervalMs: 300, timeoutMs: 400 },
      { id: 'spo2-1', name: 'Pulsoksymeter', kind: 'serial-sensor', ...oximeter.deviceConfig }
    ],
    defaultProfile: 'ortopedi',
    profiles: {
      ortopedi: { label: { nb: 'Ortopedi', en: 'Orthopaedics' }, requires: ['cam-1'] }
    },
    schedule: [{ id: 'rodoy-c1', start: new Date(start).toISOString(), minutes: 30, profile: 'ortopedi' }]
  }, { factories })
  const gateway = new Gateway(config, { log: testLogger(), factories, uplink: { reconnectPeriodMs: 300, keepaliveS: 5 }, supervisor: { backoffInitialMs: 200, backoffMaxMs: 2000 } })
  t.teardown(async () => await gateway.stop())
  const readinessSeen: ReadinessMessage[] = []
  gateway.on('readiness', (message: ReadinessMessage) => readinessSeen.push(message))
  await gateway.start()
  await hub.publishSchedule(ROOM, [{ id: 'rodoy-c1', start, minutes: 30, profile: 'ortopedi' }])
  return { hub, gateway, camera, oximeter, audits, readinessSeen, hubUrl: urls.http, lightUrl: gateway.urls.light }
}
