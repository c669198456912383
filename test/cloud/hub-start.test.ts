// A hub that cannot start (its MQTT port is taken) says so and stops what it had started,
// instead of hanging: `helserom hub` must exit with the reason, not sit silent.
import t from 'tap'
import { createServer } from 'node:net'
import { Hub } from '../../cloud/hub.js'
import { freePort, testLogger, waitFor } from '../helpers/index.js'
import { connectGateway, readingMsg, testConfig } from './hub-fixtures.js'

t.test('start() rejects with the reason when the MQTT port is taken, and stop() still settles', async (t) => {
  const port = await freePort()
  const squatter = createServer().listen(port, '127.0.0.1')
  t.teardown(() => { squatter.close() })
  await new Promise((resolve) => squatter.once('listening', resolve))
  const hub = new Hub(await testConfig(t, { mqtt: { host: '127.0.0.1', port } }), { logger: testLogger() })
  await t.rejects(hub.start(), /EADDRINUSE|in use/i)
  await hub.stop()
  t.pass('stop() after a failed start settles')
})

t.test('every reading the hub acknowledged while it was stopping was taken in', async (t) => {
  // A gateway lets a reading go from its spool once the broker acknowledges it: a hub that stops
  // taking readings in before it stops acknowledging them loses the ones in between for good.
  const hub = new Hub(await testConfig(t), { logger: testLogger() })
  t.teardown(async () => await hub.stop())
  const taken = new Set<number>()
  hub.ingest.on('reading', (e) => taken.add(e.reading.seq))
  await hub.start()
  const gateway = await connectGateway(t, hub.urls!.mqtt, 'rodoy-1', { reconnectPeriod: 0 })
  gateway.on('error', () => {})
  const acknowledged: number[] = []
  let streaming = true
  const stream = (async () => {
    // 20 in flight at a time, as a gateway's forwarder sends its backlog
    for (let first = 1; streaming; first += 20) {
      const batch = Array.from({ length: 20 }, (_, i) => first + i)
      const sent = await Promise.allSettled(batch.map(async (seq) =>
        await gateway.publishAsync('helserom/v1/rodoy-1/devices/spo2-1/readings', JSON.stringify(readingMsg(seq)), { qos: 1 })))
      sent.forEach((r, i) => { if (r.status === 'fulfilled') acknowledged.push(batch[i]!); else streaming = false })
    }
  })()
  await waitFor('readings flowing', () => taken.size >= 100)
  await hub.stop()
  streaming = false
  gateway.end(true)
  await stream
  const lost = acknowledged.filter((seq) => !taken.has(seq))
  t.comment(`${acknowledged.length} readings acknowledged, ${taken.size} taken in`)
  t.same(lost, [], 'none acknowledged and then dropped')
})
