// Faults inside the box that must not take the room down: a device driver whose start never
// finishes, and a disk that refuses the spool's writes. In both the gateway comes up, keeps the
// hub and the room's broker informed, and says what is wrong. A real Mosquitto stands in for the hub.
import t, { type Test } from 'tap'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { topics } from '../../protocol/topics.js'
import { StoreAndForwardSpool } from '../../gateway/spool/spool.js'
import { startMosquitto } from '../helpers/servers.js'
import { sleep, tempDir, waitFor } from '../helpers/index.js'
import { roomConfig, startGateway } from './room-fixture.js'
import { watchTopics } from './mqtt-watcher.js'
import { scriptedDriver, scriptFor, scripts } from './scripted-driver.js'

const ROOM = 'rodoy-1'
const ADMIN_TOKEN = 'local-admin-token-for-fault-tests'
const factories = { scripted: scriptedDriver }

function room (t: Test, hubUrl: string, fields: Record<string, unknown> = {}): ReturnType<typeof roomConfig> {
  return roomConfig(t, {
    room: ROOM,
    hub: { url: hubUrl },
    local: { host: '127.0.0.1', mqttPort: 0, httpPort: 0, adminToken: ADMIN_TOKEN },
    devices: [{ id: 'cam-1', name: 'Kamera', kind: 'scripted' }, { id: 'spo2-1', name: 'Pulsoksymeter', kind: 'scripted' }],
    profiles: { ortopedi: { label: { nb: 'Ortopedi', en: 'Orthopaedics' }, requires: ['cam-1'] } },
    network: { enabled: false },
    check: { enabled: false },
    ...fields
  })
}

t.beforeEach(() => scripts.clear())

t.test('a driver whose start never finishes does not hold the gateway: API, hub link and readiness come up, the device is retried', async (t) => {
  const hub = await startMosquitto(t)
  const watcher = await watchTopics(t, hub.url)
  scriptFor('cam-1').hangStart = true
  const gateway = await Promise.race([
    startGateway(t, room(t, hub.url), factories, { supervisor: { startTimeoutMs: 500, backoffInitialMs: 200, backoffMaxMs: 1000 } }),
    sleep(10_000).then(() => null)
  ])
  if (gateway === null) {
    t.fail('Gateway.start() did not finish while a driver\'s start hangs')
    return
  }
  t.pass('Gateway.start() finished')
  const healthz = await fetch(`${gateway.urls.http}/healthz`)
  t.equal(healthz.status, 200, 'the local API answers')
  await waitFor('the hub link is up', () => gateway.uplinkConnected)
  await waitFor('the other device is ok', () => gateway.devices().find((d) => d.id === 'spo2-1')?.state === 'ok')

  const stuck = await waitFor('the hub hears the camera did not start', () => watcher.seen.find((m) => m.topic === topics.health(ROOM, 'cam-1') && m.payload.reason?.code === 'driver.start-timeout'))
  t.equal(stuck.payload.state, 'down')
  t.match(stuck.payload.reason.message.nb, /^Kamera kom ikke i gang/)
  await waitFor('red on the hub, naming the camera', () => watcher.seen.find((m) => m.topic === topics.readiness(ROOM) && m.payload.level === 'red' && /Kamera/.test(m.payload.summary?.nb ?? '')))
  await waitFor('the camera is retried', () => scriptFor('cam-1').starts >= 3)

  scriptFor('cam-1').hangStart = false
  await waitFor('the camera comes up on a later start', () => gateway.devices().find((d) => d.id === 'cam-1')?.state === 'ok', { timeoutMs: 5000 })
  scriptFor('cam-1').releaseStarts()
  await waitFor('the starts that hung are stopped when they finish late', () => scriptFor('cam-1').running === 1)
})

t.test('a spool folder the disk will not have: readings still reach the hub and the room live, counted, and the light says so', async (t) => {
  const hub = await startMosquitto(t)
  const watcher = await watchTopics(t, hub.url)
  // A file where the spool's folder must be: creating the folder fails (for root too).
  const spoolDir = join(tempDir(t), 'spool')
  writeFileSync(spoolDir, 'not a folder')
  scriptFor('spo2-1').readingsPerSecond = 5
  const gateway = await startGateway(t, room(t, hub.url, { spool: { dir: spoolDir, maxBytes: 65_536 } }), factories)
  t.pass('the gateway starts without its spool')
  const local = await watchTopics(t, gateway.urls.mqtt, { username: 'test', password: ADMIN_TOKEN })

  const onHub = await waitFor('live readings reach the hub', () => {
    const readings = watcher.seen.filter((m) => m.topic === topics.readings(ROOM, 'spo2-1'))
    return readings.length >= 5 ? readings : undefined
  })
  t.ok(onHub.every((m) => m.payload.historical === undefined), 'sent live, not replayed')
  await waitFor('and the room\'s broker', () => local.seen.filter((m) => m.topic === topics.readings(ROOM, 'spo2-1')).length >= 5)
  await waitFor('camera health on the hub', () => watcher.seen.find((m) => m.topic === topics.health(ROOM, 'cam-1') && m.payload.state === 'ok'))

  const amber = await waitFor('readiness on the hub says the storage fails', () => watcher.seen.findLast((m) => m.topic === topics.readiness(ROOM) && m.payload.reasons.some((r: { code: string }) => r.code === 'gateway.storage-failing')))
  t.equal(amber.payload.level, 'amber', 'amber: the room works, but nothing survives an outage')
  const why = amber.payload.reasons.find((r: { code: string }) => r.code === 'gateway.storage-failing')
  t.equal(why.message.nb, 'Lagringen i boksen feiler — ring IT-support')
  t.equal(why.message.en, 'The box\'s storage is failing — call IT support')

  const health = await (await fetch(`${gateway.urls.http}/healthz`)).json() as { status: string, spool: { writeFailures: number, failing: { error: string } | null } }
  t.equal(health.status, 'degraded')
  t.ok(health.spool.writeFailures > 0, `${health.spool.writeFailures} writes refused`)
  t.match(health.spool.failing?.error, /EEXIST|ENOTDIR/, 'the disk\'s own answer is kept')
  const metrics = await (await fetch(`${gateway.urls.http}/metrics`)).text()
  t.match(metrics, /helserom_gateway_spool_failing\{room="rodoy-1"\} 1/)
  t.match(metrics, /helserom_gateway_spool_write_failures\{kind="readings",room="rodoy-1"\} [1-9]/)

  // The disk takes writes again: the spool opens, the reason goes.
  rmSync(spoolDir)
  await waitFor('the reason is gone once the spool can write', () => gateway.readiness?.reasons.every((r) => r.code !== 'gateway.storage-failing') === true ? true : undefined)
  t.equal(gateway.spoolGuard.fault, null)
  t.ok(gateway.spool.isOpen, 'the spool is open')
  const seqs = watcher.seen.filter((m) => m.topic === topics.readings(ROOM, 'spo2-1')).map((m) => m.payload.seq as number)
  const last = seqs.at(-1)!
  await waitFor('readings go on through the spool', () => watcher.seen.some((m) => m.topic === topics.readings(ROOM, 'spo2-1') && m.payload.seq > last + 3))
})

t.test('what the spool dropped at its bound is reported to the hub in status, also after a restart', async (t) => {
  const hub = await startMosquitto(t)
  const config = room(t, hub.url, { spool: { maxBytes: 65_536 } })
  // A run before this one filled its spool during an outage: the oldest records were dropped.
  const before = new StoreAndForwardSpool({ dir: join(config.dataDir, 'spool'), maxBytes: 65_536 }).open()
  for (let i = 1; i <= 2000; i++) {
    before.append({ topic: topics.readings(ROOM, 'spo2-1'), payload: { ts: 1000 + i, boot: 'earlier-run', seq: i, values: { spo2: 97 }, units: { spo2: '%' } }, qos: 1, retain: false, at: 1000 + i, offline: true })
  }
  const dropped = before.dropped
  t.ok(dropped > 0, `${dropped} dropped by the earlier run`)
  before.close()

  const watcher = await watchTopics(t, hub.url)
  const gateway = await startGateway(t, config, factories)
  const status = await waitFor('status on the hub', () => watcher.seen.find((m) => m.topic === topics.status(ROOM) && m.payload.online === true))
  t.equal(status.payload.boot, gateway.boot)
  t.equal(status.payload.spool?.dropped, dropped, 'the hub hears how many records the spool dropped')
  const healthz = await (await fetch(`${gateway.urls.http}/healthz`)).json() as { spool: { dropped: number } }
  t.equal(healthz.spool.dropped, dropped, 'and the local health says the same')
})
