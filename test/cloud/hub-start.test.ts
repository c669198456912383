// A hub that cannot start (its MQTT port is taken) says so and stops what it had started,
// instead of hanging: `helserom hub` must exit with the reason, not sit silent.
import t from 'tap'
import { createServer } from 'node:net'
import { Hub } from '../../cloud/hub.js'
import { freePort, testLogger } from '../helpers/index.js'
import { testConfig } from './hub-fixtures.js'

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
