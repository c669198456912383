// The plain-JavaScript parts of our Node-RED nodes (flows/nodes/lib/): their topics match the wire
// contract's; the consultation watch says start and end at the right moments (a pure function of
// readiness and the clock); and the room link, against the gateway's own local broker, follows
// retained state, sends commands only with the admin token, and pairs each result with its request.
import t from 'tap'
import { createRequire } from 'node:module'
import { LocalBroker } from '../../gateway/local-broker.js'
import { topics as contract, parseTopic } from '../../protocol/topics.js'
import { testLogger, waitFor, type Teardown } from '../helpers/index.js'

const require = createRequire(import.meta.url)
const { topics, parseRoomTopic } = require('../../flows/nodes/lib/topics.js')
const { ConsultationWatch, minutesUntil } = require('../../flows/nodes/lib/consultation-watch.js')
const { RoomLink } = require('../../flows/nodes/lib/room-link.js')

const ROOM = 'rodoy-1'
const TOKEN = 'local-admin-token-for-tests'
const MINUTE = 60_000

t.test('the nodes\' topics are the wire contract\'s', async (t) => {
  t.equal(topics.readiness(ROOM), contract.readiness(ROOM))
  t.equal(topics.health(ROOM, 'cam-1'), contract.health(ROOM, 'cam-1'))
  t.equal(topics.readings(ROOM, 'spo2-1'), contract.readings(ROOM, 'spo2-1'))
  t.equal(topics.command(ROOM, 'ptz.gotoPreset'), contract.command(ROOM, 'ptz.gotoPreset'))
  t.equal(topics.commandResult(ROOM, 'check.run'), contract.commandResult(ROOM, 'check.run'))
  for (const topic of [contract.readiness(ROOM), contract.health(ROOM, 'cam-1'), contract.readings(ROOM, 'spo2-1'), contract.commandResult(ROOM, 'snapshot')]) {
    const ours = parseRoomTopic(ROOM, topic)
    const theirs = parseTopic(topic)
    t.ok(ours !== null && theirs !== null, topic)
    t.equal(ours.device ?? ours.name, (theirs as { device?: string, name?: string }).device ?? (theirs as { name?: string }).name)
  }
  t.equal(parseRoomTopic(ROOM, contract.readiness('other-room')), null, 'another room\'s topic is not ours')
  t.throws(() => topics.health(ROOM, 'cam/#'), 'a device id cannot smuggle wildcards into a topic')
})

t.test('consultation watch: start when it runs, end when its time is up', async (t) => {
  const watch = new ConsultationWatch()
  const c = { id: 'c-1', start: 10 * MINUTE, minutes: 30, profile: 'ortopedi' }
  t.same(watch.update(c, 9 * MINUTE), [], 'not yet')
  t.same(watch.tick(10 * MINUTE), [{ event: 'start', session: c }], 'at its start')
  t.same(watch.tick(20 * MINUTE), [], 'nothing while it runs')
  t.same(watch.tick(40 * MINUTE), [{ event: 'end', session: c }], 'at its end')
  t.same(watch.update(c, 40 * MINUTE + 500), [], 'readiness still naming it for a moment starts nothing')
  t.equal(minutesUntil(c, 9 * MINUTE), 1)
  t.equal(minutesUntil(c, 12 * MINUTE + 30_000), -2.5, 'negative while it runs')
})

t.test('consultation watch: one already running starts at once; a cancelled one ends; back to back', async (t) => {
  const watch = new ConsultationWatch()
  const a = { id: 'a', start: 0, minutes: 30, profile: 'ortopedi' }
  const b = { id: 'b', start: 30 * MINUTE, minutes: 30, profile: 'hud' }
  t.same(watch.update(a, 5 * MINUTE), [{ event: 'start', session: a }], 'seen already running')
  t.same(watch.update(null, 6 * MINUTE), [{ event: 'end', session: a }], 'taken off the schedule')
  const again = new ConsultationWatch()
  again.update(a, 29 * MINUTE)
  t.same(again.update(b, 30 * MINUTE), [{ event: 'end', session: a }, { event: 'start', session: b }], 'the end of one, then the next')
  const longer = new ConsultationWatch()
  longer.update(a, MINUTE)
  t.same(longer.update({ ...a, minutes: 45 }, 31 * MINUTE), [], 'lengthened: it runs on')
  t.same(longer.tick(45 * MINUTE), [{ event: 'end', session: { ...a, minutes: 45 } }])
})

async function localBroker (t: Teardown, answer?: (request: Record<string, any>, name: string) => Record<string, unknown> | null): Promise<{ broker: LocalBroker, url: string, requests: Array<Record<string, any>> }> {
  const requests: Array<Record<string, any>> = []
  const broker: LocalBroker = new LocalBroker({
    host: '127.0.0.1',
    port: 0,
    room: ROOM,
    adminToken: TOKEN,
    log: testLogger(),
    onCommand: (topic, payload) => {
      const request = JSON.parse(payload.toString()) as Record<string, any>
      const name = parseTopic(topic)?.kind === 'command' ? (parseTopic(topic) as { name: string }).name : ''
      requests.push({ ...request, name })
      const result = answer?.(request, name)
      if (result != null) broker.publish(contract.commandResult(ROOM, name), Buffer.from(JSON.stringify(result)), false)
    }
  })
  const port = await broker.start()
  t.teardown(() => broker.stop())
  return { broker, url: `mqtt://127.0.0.1:${port}`, requests }
}

function link (t: Teardown, url: string, token?: string): any {
  const l = new RoomLink({ url, room: ROOM, token, clientId: `test-${Math.random().toString(36).slice(2)}` })
  t.teardown(() => l.close())
  l.open()
  return l
}

const readiness = { level: 'amber', profile: 'ortopedi', session: null, reasons: [], ts: 1 }
const health = { kind: 'onvif-camera', name: 'Kamera', state: 'ok', reason: null, metrics: {}, ts: 1 }

t.test('room link: the retained state is there on connect; readings only when wanted; strangers\' junk is counted', async (t) => {
  const { broker, url } = await localBroker(t)
  broker.publish(contract.readiness(ROOM), Buffer.from(JSON.stringify(readiness)), true)
  broker.publish(contract.health(ROOM, 'cam-1'), Buffer.from(JSON.stringify(health)), true)
  const l = link(t, url, TOKEN) // readings are patient data: the local broker gives them only with the token
  await waitFor('connected', () => l.state === 'connected')
  await waitFor('readiness', () => l.readiness?.level === 'amber')
  await waitFor('camera health', () => l.devices.get('cam-1')?.state === 'ok')

  const readings: unknown[] = []
  l.on('reading', (device: string, message: unknown) => readings.push([device, message]))
  const release = l.useReadings()
  const reading = { ts: 2, boot: 'b', seq: 1, values: { spo2: 97 }, units: { spo2: '%' } }
  await waitFor('a reading', () => {
    broker.publish(contract.readings(ROOM, 'spo2-1'), Buffer.from(JSON.stringify(reading)), false)
    return readings.length > 0
  }, { intervalMs: 100 })
  t.same(readings[0], ['spo2-1', reading])
  release()

  broker.publish(contract.readiness(ROOM), Buffer.from('{"level":"purple"}'), true)
  broker.publish(contract.health(ROOM, 'cam-1'), Buffer.from('not json'), true)
  await waitFor('junk counted', () => l.invalid === 2)
  t.equal(l.readiness.level, 'amber', 'junk does not replace the state')
})

t.test('room link: a command goes out with the token and its result comes back by id', async (t) => {
  const { broker, url, requests } = await localBroker(t, (request, name) => ({ id: request.id, ok: true, result: { preset: request.args.preset, name }, ts: 3 }))
  const l = link(t, url, TOKEN)
  await waitFor('connected', () => l.state === 'connected')
  // Someone else's command result on the same topic is not ours.
  broker.publish(contract.commandResult(ROOM, 'ptz.gotoPreset'), Buffer.from(JSON.stringify({ id: 'someone-else', ok: false, ts: 1 })), false)
  const result = await l.request('ptz.gotoPreset', { device: 'cam-1', args: { preset: 'patient' } })
  t.match(result, { ok: true, result: { preset: 'patient', name: 'ptz.gotoPreset' } })
  t.match(requests[0], { name: 'ptz.gotoPreset', device: 'cam-1', args: { preset: 'patient' }, by: 'node-red' })
  t.equal(result.id, requests[0]?.id)
})

t.test('room link: without the token no command is sent; a wrong token is refused', async (t) => {
  const { url, requests } = await localBroker(t)
  const reader = link(t, url)
  await waitFor('connected', () => reader.state === 'connected')
  await t.rejects(reader.request('ptz.stop', { device: 'cam-1' }), { message: /local admin token/ })
  t.equal(requests.length, 0)
  const wrong = link(t, url, 'not-the-admin-token-at-all')
  await waitFor('refused', () => wrong.state === 'refused')
  t.pass('the broker refused the wrong token')
})

t.test('room link: unanswered commands time out; closing fails the ones still waiting', async (t) => {
  const { url } = await localBroker(t, () => null)
  const l = link(t, url, TOKEN)
  await waitFor('connected', () => l.state === 'connected')
  await t.rejects(l.request('snapshot', { device: 'cam-1' }, 200), { message: /no answer to snapshot/ })
  const waiting = t.rejects(l.request('snapshot', { device: 'cam-1' }, 60_000), { message: /closed/ })
  await l.close()
  await waiting
  t.equal(l.state, 'closed')
})
