// The commands, history and FHIR routes as the Hub wires them, to its own audit log (cloud/audit): a command, a read of clinical history and a FHIR export each end up in
// GET /api/audit, written before the answer leaves.
import t from 'tap'
import { Hub } from '../../cloud/hub.js'
import { testLogger, waitFor } from '../helpers/index.js'
import { connectGateway, getJson, healthMsg, publishJson, statusMsg, testConfig, tokens } from './hub-fixtures.js'

t.test('commands, clinical history and FHIR exports land in the hub\'s audit log', async (t) => {
  const hub = new Hub(await testConfig(t, { store: { kind: 'embedded', clinical: true, persist: false } }), { logger: testLogger(), store: 'from-config' })
  t.teardown(async () => await hub.stop())
  await hub.start()
  const app = await hub.app()

  const gateway = await connectGateway(t, hub.urls!.mqtt, 'rodoy-1')
  gateway.on('message', (topic, payload) => {
    const request = JSON.parse(payload.toString())
    void publishJson(gateway, `${topic}/result`, { id: request.id, ok: true, ts: Date.now() })
  })
  await gateway.subscribeAsync('helserom/v1/rodoy-1/cmd/+', { qos: 1 })
  await publishJson(gateway, 'helserom/v1/rodoy-1/devices/cam-1/health', healthMsg(), true)
  await publishJson(gateway, 'helserom/v1/rodoy-1/status', statusMsg(true), true)
  await hub.publishSchedule('rodoy-1', [{ id: 'c-1', start: Date.now() - 60_000, minutes: 30, profile: 'ortopedi' }])
  await waitFor('the room at the hub', () => hub.fleet.get('rodoy-1')?.online === true && hub.fleet.get('rodoy-1')?.schedule?.length === 1)

  const auth = { authorization: `Bearer ${tokens.specialist}` }
  const command = await app.inject({ method: 'POST', url: '/api/rooms/rodoy-1/devices/cam-1/commands/ptz.home', headers: auth })
  t.equal(command.statusCode, 200)
  const history = await app.inject({ method: 'GET', url: '/api/rooms/rodoy-1/history?metric=reading.spo2', headers: auth })
  t.equal(history.statusCode, 200)
  const fhir = await app.inject({ method: 'GET', url: '/api/rooms/rodoy-1/consultations/c-1/fhir', headers: auth })
  t.equal(fhir.statusCode, 200)

  const trail = await getJson(`${hub.urls!.http}/api/audit?actor=spesialist-1`, tokens.it)
  t.equal(trail.status, 200)
  const mine = (trail.body.entries as Array<Record<string, any>>).filter((e) => ['device.command', 'history.read', 'fhir.export'].includes(e.action)).reverse()
  t.match(mine, [
    { actor: 'spesialist-1', role: 'specialist', action: 'device.command', room: 'rodoy-1', device: 'cam-1', detail: { command: 'ptz.home', id: command.json().id }, result: 'sent' },
    { actor: 'spesialist-1', role: 'specialist', action: 'device.command', room: 'rodoy-1', device: 'cam-1', detail: { command: 'ptz.home', id: command.json().id }, result: 'ok' },
    { actor: 'spesialist-1', role: 'specialist', action: 'history.read', room: 'rodoy-1', detail: { metric: 'reading.spo2' }, result: 'ok' },
    { actor: 'spesialist-1', role: 'specialist', action: 'fhir.export', room: 'rodoy-1', detail: { consultation: 'c-1', source: 'store' }, result: 'ok' }
  ])
  t.equal(mine.length, 4)
})
