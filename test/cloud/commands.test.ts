// Device commands end to end: a hub with the commands routes, the real gateway (gateway/gateway.ts)
// connected to it, and the ONVIF camera simulator behind the gateway's driver. A command sent over
// the hub's HTTP API moves the simulated camera; the gateway's refusals come back with their
// reasons (nb/en); an offline gateway is 503 at once, a silent one 504; every attempt is audited.
import t, { type Test } from 'tap'
import { driverFactories } from '../../drivers/registry.js'
import { startOnvifCameraSimulator, type OnvifCameraSimulator } from '../../drivers/onvif-camera/simulator.js'
import { describeInputProblem, type AuditInput } from '../../cloud/audit/audit-log.js'
import { commandRoutes } from '../../cloud/commands/index.js'
import { Hub } from '../../cloud/hub.js'
import type { Gateway } from '../../gateway/gateway.js'
import { testLogger, waitFor } from '../helpers/index.js'
import { roomConfig, startGateway } from '../gateway/room-fixture.js'
import { connectGateway, passwords, publishJson, statusMsg, healthMsg, testConfig, tokens } from './hub-fixtures.js'

interface Rig {
  hub: Hub
  audits: AuditInput[]
  post: (path: string, token: string, body?: unknown) => Promise<{ status: number, body: any }>
}

async function hubWithCommands (t: Test, options: { defaultTimeoutMs?: number, maxPendingPerRoom?: number, auditBroken?: () => boolean } = {}): Promise<Rig> {
  const { auditBroken, ...routeOptions } = options
  const hub = new Hub(await testConfig(t), { logger: testLogger(), deviceRoutes: false })
  t.teardown(async () => await hub.stop())
  const audits: AuditInput[] = []
  const app = await hub.app()
  await app.register(commandRoutes, {
    fleet: hub.fleet,
    broker: hub.broker,
    ingest: hub.ingest,
    audit: (entry) => {
      // Every entry must be one the hub's audit log takes (cloud/audit: dotted action, slug room …).
      const problem = describeInputProblem(entry)
      if (problem !== null) throw new Error(`an audit entry the audit log would refuse: ${problem}`)
      if (auditBroken?.() === true) throw new Error('ENOSPC: no space left on device')
      audits.push(entry)
    },
    registry: hub.metrics.registry,
    ...routeOptions
  })
  await hub.start()
  const post = async (path: string, token: string, body?: unknown): Promise<{ status: number, body: any }> => {
    const res = await fetch(`${hub.urls!.http}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {})
    })
    const text = await res.text()
    return { status: res.status, body: text === '' ? null : JSON.parse(text) }
  }
  return { hub, audits, post }
}

async function roomWithCamera (t: Test, hub: Hub): Promise<{ gateway: Gateway, camera: OnvifCameraSimulator }> {
  const camera = await startOnvifCameraSimulator()
  t.teardown(async () => await camera.stop())
  const gateway = await startGateway(t, roomConfig(t, {
    room: 'rodoy-1',
    hub: { url: hub.urls!.mqtt, username: 'rodoy-1', password: passwords['rodoy-1'] },
    devices: [{ id: 'cam-1', name: 'Kamera', kind: 'onvif-camera', ...camera.deviceConfig, pollIntervalMs: 500, timeoutMs: 2000 }],
    profiles: { ortopedi: { label: { nb: 'Ortopedi', en: 'Orthopaedics' }, requires: ['cam-1'], preset: 'patient' } },
    network: { enabled: false },
    check: { enabled: true, throughput: false, cameraSettleMs: 0 }
  }), driverFactories)
  await waitFor('the hub sees the gateway online', () => hub.fleet.get('rodoy-1')?.online === true, { timeoutMs: 30_000 })
  await waitFor('the hub sees the camera ok', () => hub.fleet.get('rodoy-1')?.devices['cam-1']?.state === 'ok', { timeoutMs: 30_000 })
  return { gateway, camera }
}

const CAM = '/api/rooms/rodoy-1/devices/cam-1/commands'

t.test('a command reaches the real camera through the real gateway, and its result comes back', async (t) => {
  const { hub, audits, post } = await hubWithCommands(t)
  const { camera } = await roomWithCamera(t, hub)

  const moved = await post(`${CAM}/ptz.gotoPreset`, tokens.it, { args: { preset: 'overview' } })
  t.equal(moved.status, 200, JSON.stringify(moved.body))
  t.equal(moved.body.ok, true)
  t.equal(moved.body.command, 'ptz.gotoPreset')
  t.equal(moved.body.room, 'rodoy-1')
  t.equal(moved.body.device, 'cam-1')
  t.match(moved.body.id, /^[0-9a-f-]{36}$/, 'the correlation id')
  t.equal(camera.state.currentPreset, '2', 'the camera went to the overview preset')

  const specialist = await post(`${CAM}/ptz.gotoPreset`, tokens.specialist, { args: { preset: 'patient' } })
  t.equal(specialist.status, 200, 'a specialist may command in their room')
  t.equal(camera.state.currentPreset, '1', 'and the camera went to the patient preset')
  t.not(specialist.body.id, moved.body.id, 'each request has its own correlation id')

  const selfTest = await post(`${CAM}/selfTest`, tokens.it)
  t.equal(selfTest.status, 200, `a command without a body: ${JSON.stringify(selfTest.body)}`)
  t.ok(selfTest.body.result !== undefined, 'selfTest returns its report')

  // Two at once: each answer finds its own request.
  const [a, b] = await Promise.all([
    post(`${CAM}/ptz.home`, tokens.it),
    post(`${CAM}/snapshot`, tokens.it, { args: {} })
  ])
  t.equal(a.status, 200)
  t.equal(b.status, 200)
  t.equal(a.body.command, 'ptz.home')
  t.equal(b.body.command, 'snapshot')

  t.same(audits.slice(0, 4).map((e) => ({ actor: e.actor, role: e.role, action: e.action, room: e.room, device: e.device, command: e.detail?.command, args: e.detail?.args, result: e.result })), [
    { actor: 'it-vakt', role: 'it', action: 'device.command', room: 'rodoy-1', device: 'cam-1', command: 'ptz.gotoPreset', args: { preset: 'overview' }, result: 'sent' },
    { actor: 'it-vakt', role: 'it', action: 'device.command', room: 'rodoy-1', device: 'cam-1', command: 'ptz.gotoPreset', args: { preset: 'overview' }, result: 'ok' },
    { actor: 'spesialist-1', role: 'specialist', action: 'device.command', room: 'rodoy-1', device: 'cam-1', command: 'ptz.gotoPreset', args: { preset: 'patient' }, result: 'sent' },
    { actor: 'spesialist-1', role: 'specialist', action: 'device.command', room: 'rodoy-1', device: 'cam-1', command: 'ptz.gotoPreset', args: { preset: 'patient' }, result: 'ok' }
  ], 'who, what, args: on record before it is sent, then how it went')
  t.same([audits[0]?.detail?.id, audits[1]?.detail?.id], [moved.body.id, moved.body.id], 'both entries name the correlation id')
  t.equal(audits.filter((e) => e.result === 'sent').length, 5, 'every command is audited before it is sent')
  t.equal(audits.filter((e) => e.result === 'ok').length, 5, 'and again with its outcome')
  t.equal(await hub.metrics.value('helserom_hub_commands_total', { outcome: 'ok' }), 5)
})

t.test('the gateway\'s refusals come back with their reason, in Norwegian and English', async (t) => {
  const { hub, audits, post } = await hubWithCommands(t)
  await roomWithCamera(t, hub)

  const badArgs = await post(`${CAM}/ptz.move`, tokens.it, { args: { pan: 5, tilt: 0, zoom: 0 } })
  t.equal(badArgs.status, 400, 'invalid arguments')
  t.equal(badArgs.body.error.code, 'command.invalid-args')
  t.match(badArgs.body.error.reason.message, { nb: /Ugyldige parametre/, en: /Invalid arguments/ })
  t.match(badArgs.body.id, /^[0-9a-f-]{36}$/)

  const unknown = await post(`${CAM}/ptz.fly`, tokens.it)
  t.equal(unknown.status, 404, 'a command the camera does not have')
  t.equal(unknown.body.error.code, 'command.unknown')
  t.match(unknown.body.error.reason.message.en, /has no command "ptz.fly"/)

  const noPreset = await post(`${CAM}/ptz.gotoPreset`, tokens.it, { args: { preset: 'nowhere' } })
  t.ok(noPreset.status >= 400 && noPreset.status !== 504, `an unknown preset is refused by the driver (${noPreset.status} ${noPreset.body.error.code})`)
  t.ok(noPreset.body.error.reason.message.nb.length > 0 && noPreset.body.error.reason.message.en.length > 0)

  const gatewayLevel = await post('/api/rooms/rodoy-1/commands/no.such', tokens.it)
  t.equal(gatewayLevel.status, 404, 'an unknown gateway-level command')
  t.equal(gatewayLevel.body.error.code, 'command.unknown')

  t.same(audits.filter((e) => e.result !== 'sent').map((e) => e.result), ['failed: command.invalid-args', 'failed: command.unknown', `failed: ${String(noPreset.body.error.code)}`, 'failed: command.unknown'])
})

t.test('check.run, a gateway-level command, runs the pre-session check and returns its report', async (t) => {
  const { hub, audits, post } = await hubWithCommands(t)
  await roomWithCamera(t, hub)
  const res = await post('/api/rooms/rodoy-1/commands/check.run', tokens.it, { args: { profile: 'ortopedi' }, timeoutMs: 60_000 })
  t.equal(res.status, 200, JSON.stringify(res.body).slice(0, 400))
  t.equal(res.body.result.trigger, 'manual')
  t.equal(res.body.result.profile, 'ortopedi')
  t.ok(Array.isArray(res.body.result.steps) && res.body.result.steps.length > 0, 'the report has steps')
  await waitFor('the report also reaches the fleet state', () => hub.fleet.get('rodoy-1')?.check?.id === res.body.result.id)
  t.match(audits, [
    { action: 'gateway.command', room: 'rodoy-1', detail: { command: 'check.run', args: { profile: 'ortopedi' } }, result: 'sent' },
    { action: 'gateway.command', room: 'rodoy-1', detail: { command: 'check.run', args: { profile: 'ortopedi' } }, result: 'ok' }
  ])
  t.equal(audits.length, 2)
})

t.test('who may command: it and specialists in their rooms; refusals are audited', async (t) => {
  const { hub, audits, post } = await hubWithCommands(t)
  await roomWithCamera(t, hub)
  const staff = await post(`${CAM}/ptz.home`, tokens.staff)
  t.equal(staff.status, 403, 'staff may not')
  t.equal(staff.body.error.code, 'forbidden')
  const otherRoom = await post('/api/rooms/donna-1/devices/cam-1/commands/ptz.home', tokens.specialist)
  t.equal(otherRoom.status, 403, 'a specialist may not command another room')
  const noToken = await fetch(`${hub.urls!.http}${CAM}/ptz.home`, { method: 'POST' })
  t.equal(noToken.status, 401)
  const unknownRoom = await post('/api/rooms/nowhere-1/devices/cam-1/commands/ptz.home', tokens.it)
  t.equal(unknownRoom.status, 404)
  const unknownDevice = await post('/api/rooms/rodoy-1/devices/cam-9/commands/ptz.home', tokens.it)
  t.equal(unknownDevice.status, 404, 'a device the hub has not heard of')
  t.match(unknownDevice.body.error.message, /known: cam-1/)
  const badName = await post(`${CAM}/ptz..home`, tokens.it)
  t.equal(badName.status, 400, 'a malformed command name')
  const badBody = await post(`${CAM}/ptz.home`, tokens.it, { args: 'home' })
  t.equal(badBody.status, 400, 'args that are not an object')
  const badTimeout = await post(`${CAM}/ptz.home`, tokens.it, { timeoutMs: 10 })
  t.equal(badTimeout.status, 400, 'a timeout below a second')
  t.same(audits.map((e) => ({ actor: e.actor, room: e.room, result: e.result })), [
    { actor: 'spesialist-1', room: 'donna-1', result: 'denied' },
    { actor: 'it-vakt', room: 'rodoy-1', result: 'unknown-device' }
  ], 'a refused attempt in a room is audited (the role check refuses staff before any room is involved)')
})

t.test('an offline gateway is 503 at once; one that goes offline fails its waiting commands at once', async (t) => {
  const { hub, audits, post } = await hubWithCommands(t, { defaultTimeoutMs: 60_000 })
  // donna-1 has never been seen: offline.
  await publishJsonAsDonna(t, hub)
  const offline = await post('/api/rooms/donna-1/devices/cam-1/commands/ptz.home', tokens.it)
  t.equal(offline.status, 503)
  t.equal(offline.body.error.code, 'gateway_offline')
  t.match(offline.body.error.message, /the gateway of Helserom Dønna \(donna-1\) is offline \(last heard /)
  t.notOk(offline.body.id, 'nothing was sent: there is no correlation id')
  t.match(audits.at(-1), { action: 'device.command', room: 'donna-1', detail: { command: 'ptz.home', reason: /offline/ }, result: 'offline' })

  // A gateway that takes requests but never answers, then drops off (its Last Will).
  const silent = await connectGateway(t, hub.urls!.mqtt, 'rodoy-1')
  const requests: Array<{ topic: string, body: any }> = []
  silent.on('message', (topic, payload) => requests.push({ topic, body: JSON.parse(payload.toString()) }))
  await silent.subscribeAsync('helserom/v1/rodoy-1/cmd/+', { qos: 1 })
  await publishJson(silent, 'helserom/v1/rodoy-1/devices/cam-1/health', healthMsg(), true)
  await publishJson(silent, 'helserom/v1/rodoy-1/status', statusMsg(true), true)
  await waitFor('online', () => hub.fleet.get('rodoy-1')?.online === true)
  const pending = post(`${CAM}/ptz.home`, tokens.it)
  const request = await waitFor('the request at the gateway', () => requests[0])
  t.equal(request.topic, 'helserom/v1/rodoy-1/cmd/ptz.home')
  t.match(request.body, { device: 'cam-1', by: 'hub:it-vakt' })
  t.match(request.body.id, /^[0-9a-f-]{36}$/)
  silent.stream.destroy() // no DISCONNECT: the broker publishes the Last Will (online: false)
  const failed = await pending
  t.equal(failed.status, 503, 'failed when the gateway went offline, not after 60 s')
  t.equal(failed.body.error.code, 'gateway_offline')
  t.equal(failed.body.id, request.body.id)
})

async function publishJsonAsDonna (t: Test, hub: Hub): Promise<void> {
  // The hub knows cam-1 in donna-1 from a retained health message, published while the gateway was online.
  const gw = await connectGateway(t, hub.urls!.mqtt, 'donna-1')
  await publishJson(gw, 'helserom/v1/donna-1/devices/cam-1/health', healthMsg(), true)
  await publishJson(gw, 'helserom/v1/donna-1/status', statusMsg(false), true)
  await waitFor('donna-1 cam-1 known', () => hub.fleet.get('donna-1')?.devices['cam-1'] !== undefined)
  await gw.endAsync()
}

t.test('a gateway that does not answer in time: 504 with the reason; its late answer is dropped', async (t) => {
  const { hub, audits, post } = await hubWithCommands(t)
  const silent = await connectGateway(t, hub.urls!.mqtt, 'rodoy-1')
  const requests: Array<{ name: string, id: string }> = []
  silent.on('message', (topic, payload) => requests.push({ name: topic.split('/').at(-1) ?? '', id: JSON.parse(payload.toString()).id }))
  await silent.subscribeAsync('helserom/v1/rodoy-1/cmd/+', { qos: 1 })
  await publishJson(silent, 'helserom/v1/rodoy-1/devices/cam-1/health', healthMsg(), true)
  await publishJson(silent, 'helserom/v1/rodoy-1/status', statusMsg(true), true)
  await waitFor('online', () => hub.fleet.get('rodoy-1')?.online === true)

  const res = await post(`${CAM}/ptz.stop`, tokens.it, { timeoutMs: 1500 })
  t.equal(res.status, 504)
  t.equal(res.body.error.code, 'gateway_timeout')
  t.match(res.body.error.message, /did not answer ptz\.stop within 1\.5 s|did not answer ptz\.stop within 1500 ms/)
  t.equal(res.body.id, requests[0]?.id, 'the id of the request that went unanswered')
  t.match(audits.at(-1), { detail: { command: 'ptz.stop', id: requests[0]?.id }, result: 'timeout' })

  // The answer arrives after all: nobody waits for it any more.
  await publishJson(silent, 'helserom/v1/rodoy-1/cmd/ptz.stop/result', { id: requests[0]?.id, ok: true, ts: Date.now() })
  await waitFor('the late answer counted', async () => await hub.metrics.value('helserom_hub_commands_total', { outcome: 'late' }) === 1)

  // An answer for another command name with a waiting id is not taken for it.
  const waiting = post(`${CAM}/ptz.home`, tokens.it, { timeoutMs: 3000 })
  const second = await waitFor('the second request', () => requests[1])
  await publishJson(silent, 'helserom/v1/rodoy-1/cmd/ptz.stop/result', { id: second.id, ok: true, result: 'wrong', ts: Date.now() })
  await publishJson(silent, 'helserom/v1/rodoy-1/cmd/ptz.home/result', { id: second.id, ok: true, result: { position: 'home' }, ts: Date.now() })
  const answered = await waiting
  t.equal(answered.status, 200)
  t.same(answered.body.result, { position: 'home' }, 'only the answer on the right topic counts')
})

t.test('a command whose audit entry cannot be written is not sent: 503', async (t) => {
  let broken = true
  const { hub, audits, post } = await hubWithCommands(t, { auditBroken: () => broken })
  const gateway = await connectGateway(t, hub.urls!.mqtt, 'rodoy-1')
  const requests: string[] = []
  gateway.on('message', (topic, payload) => {
    const request = JSON.parse(payload.toString())
    requests.push(request.id)
    void publishJson(gateway, `${topic}/result`, { id: request.id, ok: true, ts: Date.now() })
  })
  await gateway.subscribeAsync('helserom/v1/rodoy-1/cmd/+', { qos: 1 })
  await publishJson(gateway, 'helserom/v1/rodoy-1/devices/cam-1/health', healthMsg(), true)
  await publishJson(gateway, 'helserom/v1/rodoy-1/status', statusMsg(true), true)
  await waitFor('online', () => hub.fleet.get('rodoy-1')?.online === true)

  const refused = await post(`${CAM}/ptz.home`, tokens.it)
  t.equal(refused.status, 503)
  t.equal(refused.body.error.code, 'audit_unavailable')
  t.match(refused.body.error.message, /ptz\.home was not sent to rodoy-1: the audit log cannot be written/)
  t.notMatch(refused.body.error.message, /ENOSPC/, 'the hub\'s own trouble stays in its log')
  t.notOk(refused.body.id, 'no correlation id: nothing was sent')

  broken = false
  const done = await post(`${CAM}/ptz.stop`, tokens.it)
  t.equal(done.status, 200, 'with the audit log back, commands go out again')
  t.same(requests, [done.body.id], 'the gateway only ever got the recorded one')
  t.same(audits.map((e) => [e.detail?.command, e.result]), [['ptz.stop', 'sent'], ['ptz.stop', 'ok']])
  t.equal(await hub.metrics.value('helserom_hub_commands_total', { outcome: 'unrecorded' }), 1)
})

t.test('too many commands waiting for one room: 429', async (t) => {
  const { hub, post } = await hubWithCommands(t, { maxPendingPerRoom: 2 })
  const silent = await connectGateway(t, hub.urls!.mqtt, 'rodoy-1')
  let received = 0
  silent.on('message', () => { received++ })
  await silent.subscribeAsync('helserom/v1/rodoy-1/cmd/+', { qos: 1 })
  await publishJson(silent, 'helserom/v1/rodoy-1/devices/cam-1/health', healthMsg(), true)
  await publishJson(silent, 'helserom/v1/rodoy-1/status', statusMsg(true), true)
  await waitFor('online', () => hub.fleet.get('rodoy-1')?.online === true)
  const waiting = [post(`${CAM}/ptz.home`, tokens.it, { timeoutMs: 3000 }), post(`${CAM}/ptz.home`, tokens.it, { timeoutMs: 3000 })]
  await waitFor('two requests at the gateway', () => received === 2)
  const third = await post(`${CAM}/ptz.home`, tokens.it)
  t.equal(third.status, 429)
  t.equal(third.body.error.code, 'busy')
  t.same((await Promise.all(waiting)).map((r) => r.status), [504, 504])
})

t.test('stopping the hub fails the commands still waiting, and leaves no timer behind', async (t) => {
  const { hub, post } = await hubWithCommands(t)
  const silent = await connectGateway(t, hub.urls!.mqtt, 'rodoy-1')
  await publishJson(silent, 'helserom/v1/rodoy-1/devices/cam-1/health', healthMsg(), true)
  await publishJson(silent, 'helserom/v1/rodoy-1/status', statusMsg(true), true)
  await waitFor('online', () => hub.fleet.get('rodoy-1')?.online === true)
  const app = await hub.app()
  const waiting = app.inject({ method: 'POST', url: `${CAM}/ptz.home`, headers: { authorization: `Bearer ${tokens.it}` } })
  await new Promise((resolve) => setTimeout(resolve, 300))
  const stopping = hub.stop()
  const res = await waiting
  await stopping
  t.equal(res.statusCode, 503)
  t.equal(res.json().error.code, 'unavailable')
})
